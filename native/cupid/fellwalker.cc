// FellWalker (SPEC §2): walks up the steepest gradient from every usable
// pixel, then merges, cleans, measures and rejects clumps exactly as CUPID's
// cupidFellWalker / cupidFWMain do.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "cellular.h"
#include "fellwalker.h"

namespace cupid {
namespace {

using detail::Grid;
using detail::Labels;

struct Params {
  double noise, minHeight, minDip, flatSlope;
  long maxJump, cleanIter, minPix;
  bool allowEdge;
};

Params readParams(Config& config, double rms, int ndim, const Beam& beam) {
  Params p;
  config.number("RMS", rms);
  config.integer("DumpPeak", 0);  // CUPID's debugging dumps: accepted, ignored
  config.integer("DumpWalk", -1);
  p.noise = config.rmsValue("Noise", 2.0 * rms, rms);
  p.maxJump = config.integer("MaxJump", 4);
  p.flatSlope = config.rmsValue("FlatSlope", rms, rms);
  p.minDip = config.rmsValue("MinDip", 2.0 * rms, rms);
  p.cleanIter = config.integer("CleanIter", 1);
  p.minHeight = config.rmsValue("MinHeight", p.noise, rms);
  p.allowEdge = config.integer("AllowEdge", 1) != 0;
  p.minPix = config.integer("MinPix", defaultMinPix(ndim, beam, p.noise, p.minHeight));
  if (p.maxJump < 0) throw Error("FellWalker.MaxJump must be zero or positive (got " + std::to_string(p.maxJump) + ")");
  if (p.cleanIter < 0)
    throw Error("FellWalker.CleanIter must be zero or positive (got " + std::to_string(p.cleanIter) + ")");
  if (p.minPix < 0) throw Error("FellWalker.MinPix must be zero or positive (got " + std::to_string(p.minPix) + ")");
  return p;
}

// One neighbour of the 3^n box, in CUPID's visiting order (z, then y, then x).
struct Step {
  long dx, dy, dz;
  std::ptrdiff_t offset;
  double dist;
};

std::vector<Step> neighbourSteps(const Grid& g) {
  // Distances by the number of axes that differ, with CUPID's rounding.
  const double dist[4] = {0.0, 1.0, 1.4142136, 1.7320508};
  std::vector<Step> steps;
  long zr = g.ndim > 2 ? 1 : 0, yr = g.ndim > 1 ? 1 : 0;
  for (long dz = -zr; dz <= zr; ++dz)
    for (long dy = -yr; dy <= yr; ++dy)
      for (long dx = -1; dx <= 1; ++dx) {
        int moved = (dx != 0) + (dy != 0) + (dz != 0);
        if (moved == 0) continue;
        std::ptrdiff_t off = dx + dy * static_cast<std::ptrdiff_t>(g.stride[1]) +
                             dz * static_cast<std::ptrdiff_t>(g.stride[2]);
        steps.push_back({dx, dy, dz, off, dist[moved]});
      }
  return steps;
}

// The steepest-ascent neighbour of pixel iv at (cx, cy, cz) among the pixels
// whose state is >= 0 (gradient (value - h) / distance), first in CUPID's
// visiting order on ties; iv itself when no usable neighbour is higher (the
// largest gradient <= 0, or no usable neighbour).
inline std::size_t bestNeighbour(const double* d, const Grid& g, const std::vector<Step>& steps,
                                 const std::int32_t* work, std::size_t iv, long cx, long cy, long cz,
                                 int& stepIndex) {
  // Only a positive gradient matters (otherwise the walker jumps, wherever
  // the best neighbour was), so the search starts at 0. A gradient is at most
  // the difference it comes from (d >= 1), so a difference that does not
  // beat the best gradient so far needs neither the division nor the state.
  const double h = d[iv];
  double maxg = 0.0;
  std::size_t nv = iv;
  stepIndex = -1;
  const bool interior = cx > 0 && cx + 1 < g.dims[0] && (g.ndim < 2 || (cy > 0 && cy + 1 < g.dims[1])) &&
                        (g.ndim < 3 || (cz > 0 && cz + 1 < g.dims[2]));
  const int nsteps = static_cast<int>(steps.size());
  for (int k = 0; k < nsteps; ++k) {
    const Step& s = steps[k];
    if (!interior) {
      long x = cx + s.dx, y = cy + s.dy, z = cz + s.dz;
      if (x < 0 || x >= g.dims[0] || y < 0 || y >= g.dims[1] || z < 0 || z >= g.dims[2]) continue;
    }
    std::size_t q = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(iv) + s.offset);
    const double diff = d[q] - h;  // NaN for a bad pixel: never greater
    if (!(diff > maxg) || work[q] < 0) continue;
    double grad = diff / s.dist;
    if (grad > maxg) {
      maxg = grad;
      nv = q;
      stepIndex = k;
    }
  }
  return nv;
}

// The highest state->=0 pixel within +-jump of (cx, cy, cz) (strictly greater
// wins, so the first in scan order on ties; the centre is part of the box).
std::size_t jumpTarget(const double* d, const Grid& g, const long jump[3], const std::int32_t* work, std::size_t iv,
                       long cx, long cy, long cz, const Control& control) {
  std::size_t nv = iv;
  double best = -std::numeric_limits<double>::max();
  long lo[3] = {cx - jump[0], cy - jump[1], cz - jump[2]};
  long hi[3] = {cx + jump[0], cy + jump[1], cz + jump[2]};
  for (int i = 0; i < 3; ++i) {
    lo[i] = std::max(lo[i], 0L);
    hi[i] = std::min(hi[i], g.dims[i] - 1);
  }
  for (long z = lo[2]; z <= hi[2]; ++z) {
    if (hi[1] - lo[1] > 64) control.check();  // a huge MaxJump makes this slow
    for (long y = lo[1]; y <= hi[1]; ++y) {
      const std::size_t q0 = g.index(lo[0], y, z);
      const long n = hi[0] - lo[0] + 1;
      // Most rows cannot beat the best so far: check that on the data
      // alone before looking at which pixels are usable.
      double rowMax = best;
      for (long i = 0; i < n; ++i)
        if (d[q0 + i] > rowMax) rowMax = d[q0 + i];
      if (rowMax == best) continue;
      for (long i = 0; i < n; ++i) {
        std::size_t q = q0 + i;
        if (work[q] >= 0 && d[q] > best) {
          best = d[q];
          nv = q;
        }
      }
    }
  }
  return nv;
}

// §2.2 step 3. `work` holds -1 (unusable) or 0 (unvisited) on entry and -1 or
// a clump number on exit; returns the number of clumps created.
//
// The walks themselves are sequential, but where a walk goes from a pixel
// depends on the states only through which pixels are still usable, and
// states only ever go from usable to unusable (0 to -1) or stay usable. So
// the steepest neighbour and the jump target are first found for every
// usable pixel on the initial states, on both threads; during the walks a
// precomputed answer stands whenever the pixel it names is still usable (it
// is then also the first best among the remaining usable pixels), and is
// searched for again otherwise.
int walk(const Array& a, const Grid& g, const Params& p, double rms, Labels& work,
         const Control& control) {
  const double* d = a.data.data();
  const double seaLevel = p.noise + 2 * rms;
  const std::vector<Step> steps = neighbourSteps(g);
  long jump[3];
  for (int i = 0; i < 3; ++i) jump[i] = i < g.ndim ? std::min<long>(p.maxJump, g.dims[i]) : 0;

  // next[p]: the step towards the steepest neighbour, or kPeak at a local
  // maximum (the jump target is then in `jumps`, sorted by pixel).
  constexpr std::uint8_t kPeak = 255;
  std::unique_ptr<std::uint8_t[]> next(new std::uint8_t[g.size]);
  std::vector<std::pair<std::size_t, std::size_t>> jumpParts[2];
  {
    const std::int32_t* w = work.data();
    detail::parallelFor(g.size, [&](std::size_t begin, std::size_t end) {
      auto& jumps = jumpParts[begin == 0 ? 0 : 1];  // parallelFor splits in two halves
      long x, y, z;
      g.coords(begin, x, y, z);
      for (std::size_t q = begin; q < end; ++q) {
        if (w[q] == 0) {
          int k;
          std::size_t nv = bestNeighbour(d, g, steps, w, q, x, y, z, k);
          if (nv == q) {
            next[q] = kPeak;
            jumps.emplace_back(q, jumpTarget(d, g, jump, w, q, x, y, z, control));
          } else {
            next[q] = static_cast<std::uint8_t>(k);
          }
        }
        if (++x == g.dims[0]) {
          x = 0;
          if (++y == g.dims[1]) {
            y = 0;
            ++z;
          }
        }
      }
    });
  }
  std::vector<std::pair<std::size_t, std::size_t>>& jumps = jumpParts[0];
  jumps.insert(jumps.end(), jumpParts[1].begin(), jumpParts[1].end());
  jumpParts[1] = {};
  control.check();

  int clumps = 0;
  std::vector<std::size_t> route;
  detail::Ticker ticker(control, "fellwalker: walking", 0.1, 0.7, g.size);
  for (std::size_t start = 0; start < g.size; ++start) {
    ticker.tick(start);
    if (work[start] != 0) continue;
    route.assign(1, start);
    std::size_t iv = start;
    std::size_t nflat = 0;
    int iflat = 0;
    double flat[3] = {0, 0, 0};
    bool steep = d[start] > seaLevel;
    int clump = -1;
    while (clump == -1) {
      const double h = d[iv];
      // A walk from the coastal plain ignores its start until it climbs.
      if (!steep) {
        if (h > seaLevel) {
          steep = true;
        } else if (route.size() > 3) {
          if ((h - flat[iflat]) / 3 > p.flatSlope)
            steep = true;
          else
            nflat = route.size();
        }
        flat[iflat++] = h;
        if (iflat == 3) iflat = 0;
      }

      std::size_t nv;
      const std::uint8_t k = next[iv];
      if (k != kPeak) {
        nv = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(iv) + steps[k].offset);
        if (work[nv] < 0) {
          long cx, cy, cz;
          g.coords(iv, cx, cy, cz);
          int ignored;
          nv = bestNeighbour(d, g, steps, work.data(), iv, cx, cy, cz, ignored);
          if (nv == iv) nv = jumpTarget(d, g, jump, work.data(), iv, cx, cy, cz, control);
        }
      } else {
        // A local maximum may be a noise spike: look further for a higher pixel.
        auto it = std::lower_bound(jumps.begin(), jumps.end(), std::make_pair(iv, std::size_t(0)));
        nv = it->second;
        if (work[nv] < 0) {
          long cx, cy, cz;
          g.coords(iv, cx, cy, cz);
          nv = jumpTarget(d, g, jump, work.data(), iv, cx, cy, cz, control);
        }
      }

      if (nv == iv) {
        // A peak: the walk gets a clump unless it never left the coastal plain.
        if (nflat < route.size()) {
          clump = work[iv];
          if (clump < 1) clump = ++clumps;
        } else {
          clump = -2;
        }
      } else if (work[nv] > 0) {
        clump = work[nv];
      } else {
        iv = nv;
        route.push_back(nv);
      }
    }
    for (std::size_t i = 0; i < route.size(); ++i) work[route[i]] = (i < nflat || clump < 0) ? -1 : clump;
  }
  return clumps;
}

}  // namespace

AlgorithmOutput fellWalker(const Array& a, double rms, const Beam& beam, Config& config, const Control& control) {
  const Grid g(a);
  const Params p = readParams(config, rms, g.ndim, beam);
  const double* d = a.data.data();

  // §2.2 steps 1-2: usable pixels, isolated ones removed.
  control.report(0.0, "fellwalker: masking");
  Labels initial(g.size), work;
  detail::parallelFor(g.size, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) initial[i] = (detail::good(d[i]) && d[i] > p.noise) ? 0 : -1;
  });
  control.check();
  const double frac = g.ndim == 1 ? 0.5 : (g.ndim == 2 ? 0.25 : 0.1);
  detail::removeIsolated(g, initial, work, frac);
  control.check();

  int maxid = walk(a, g, p, rms, work, control);

  control.report(0.7, "fellwalker: merging");
  maxid = detail::mergeClumps(a, g, work, maxid, p.minDip, control);

  Labels& other = initial;
  for (long iter = 0; iter < p.cleanIter; ++iter) {
    control.report(0.8 + 0.15 * static_cast<double>(iter) / static_cast<double>(p.cleanIter), "fellwalker: cleaning");
    control.check();
    bool changed = detail::majorityFilter(g, work, other);
    work.swap(other);
    if (!changed) break;  // further passes cannot change anything
  }

  // §2.2 steps 6-8: measure the cleaned clumps (collecting their pixels on
  // the way), reject, order by peak.
  control.report(0.95, "fellwalker: measuring");
  const std::size_t nid = static_cast<std::size_t>(maxid) + 1;
  std::vector<long> lo(3 * nid, std::numeric_limits<long>::max()), hi(3 * nid, -1);
  std::vector<double> peak(nid, -std::numeric_limits<double>::max());
  std::vector<std::vector<std::size_t>> pixels(nid);
  std::size_t q = 0;
  for (long z = 0; z < g.dims[2]; ++z)
    for (long y = 0; y < g.dims[1]; ++y)
      for (long x = 0; x < g.dims[0]; ++x, ++q) {
        int l = work[q];
        if (l < 0) continue;
        pixels[l].push_back(q);
        if (d[q] > peak[l]) peak[l] = d[q];
        long c[3] = {x, y, z};
        for (int i = 0; i < 3; ++i) {
          lo[3 * l + i] = std::min(lo[3 * l + i], c[i]);
          hi[3 * l + i] = std::max(hi[3 * l + i], c[i]);
        }
      }

  AlgorithmOutput out;
  std::vector<double> peaks;
  for (std::size_t l = 0; l < nid; ++l) {
    const long* L = &lo[3 * l];
    const long* H = &hi[3 * l];
    if (static_cast<long>(pixels[l].size()) <= p.minPix) continue;
    if (peak[l] < p.minHeight) continue;
    bool thin = false, edge = false;
    for (int i = 0; i < g.ndim; ++i) {
      thin |= L[i] == H[i];
      // Within one pixel of the low edge, or touching the high edge (GRID < 3 or > dim - 1).
      edge |= L[i] < 2 || H[i] > g.dims[i] - 2;
    }
    if (thin || (!p.allowEdge && edge)) continue;
    Clump c;
    c.pixels.swap(pixels[l]);
    c.values.reserve(c.pixels.size());
    for (std::size_t px : c.pixels) c.values.push_back(d[px]);
    out.clumps.push_back(std::move(c));
    peaks.push_back(peak[l]);
  }
  detail::sortByPeak(out.clumps, peaks);
  control.report(1.0, "fellwalker: done");
  return out;
}

}  // namespace cupid
