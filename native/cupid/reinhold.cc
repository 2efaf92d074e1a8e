// Reinhold (SPEC §4). Exact agreement with CUPID depends on reproducing its
// scan orders, its integer/float arithmetic and two of its quirks (the
// axis-1-only "distance" in the fill and the duplicate-scan peak counting),
// so the structure below follows cupidReinhold and its helpers step by step.
#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "cupid.h"

namespace cupid {
namespace {

// Mask codes used while finding edges and peaks (CUPID__KBACK/KEDGE/KPEAK).
constexpr int kBack = 0;
constexpr int kEdge = 1;
constexpr int kPeak = 2;
// Number of pixels over which CUPID judges a slope (GRADSTEP).
constexpr long kGradStep = 3;
// "Unassigned" in the fill output, as CUPID uses it.
constexpr int kUnassigned = -INT_MAX;

struct Geometry {
  int ndim = 1;
  long dims[3] = {1, 1, 1};
  // Skips are 0 on absent axes, as in CUPID: helpers rely on that to make
  // their loops over missing axes collapse to one position.
  long skip[3] = {0, 0, 0};
  std::size_t nel = 0;
};

// One pass of peak/edge detection along a 1-D line of pixels (cupidREdges).
// `used[i]` marks samples already spanned by a brighter peak of this line.
class LineScanner {
 public:
  LineScanner(int minlen, double thresh, double noise, double rms, double flatslope)
      : minlen_(minlen), thresh_(thresh), noise_(noise), rms_(rms), flatslope_(flatslope), deltav_(kGradStep * flatslope) {}

  void scan(long n, const double* val, const std::size_t* pos, std::vector<char>& used, int* mask) const {
    std::fill(used.begin(), used.begin() + n, 0);
    for (;;) {
      double maxval = -DBL_MAX;
      long maxpos = -1;
      for (long i = 0; i < n; ++i) {
        if (!used[i] && !std::isnan(val[i]) && val[i] > maxval) {
          maxval = val[i];
          maxpos = i;
        }
      }
      // CUPID stops on maxval < noise; the maxpos test only guards against
      // an absurd Noise at -DBL_MAX, which would otherwise never stop.
      if (maxpos < 0 || maxval < noise_) break;

      // Upper side.
      bool hslok = false, upOk = false;
      double minval = maxval - deltav_, vlast = -DBL_MAX, vlim = DBL_MAX;
      long minpos = maxpos;
      long i = maxpos + 1;
      for (; i < n; ++i) {
        if (used[i]) {
          upOk = true;
          break;
        }
        double v = val[i];
        if (std::isnan(v)) continue;
        if (v < noise_ && vlast < noise_) {
          upOk = true;
          break;
        }
        if (v < minval) {
          hslok = hslok || (minval + deltav_ - v) / static_cast<double>(i - minpos) > flatslope_;
          minval = v - deltav_;
          minpos = i;
          vlim = v + 2 * rms_;
        } else if (v > vlim) {
          i = minpos + 1;
          upOk = true;
          break;
        } else if (i - minpos > kGradStep && hslok) {
          i = minpos + 1;
          upOk = true;
          break;
        }
        vlast = v;
      }
      long iup = i - 1;

      // Lower side. CUPID's loop index here is unsigned, so running off the
      // start of the line is undefined there; we treat it as "no edge found"
      // (loOk false), the behaviour of the algorithm as designed.
      bool lslok = false, loOk = false;
      minval = maxval - deltav_;
      vlast = -DBL_MAX;
      vlim = DBL_MAX;
      minpos = maxpos;
      i = maxpos - 1;
      for (; i >= 0; --i) {
        if (used[i]) {
          loOk = true;
          break;
        }
        double v = val[i];
        if (std::isnan(v)) continue;
        if (v < noise_ && vlast < noise_) {
          loOk = true;
          break;
        }
        if (v < minval) {
          lslok = lslok || (minval + deltav_ - v) / static_cast<double>(minpos - i) > flatslope_;
          minval = v - deltav_;
          minpos = i;
          vlim = v + 2 * rms_;
        } else if (v > vlim) {
          i = minpos - 1;
          loOk = true;
          break;
        } else if (minpos - i > kGradStep && lslok) {
          i = minpos - 1;
          loOk = true;
          break;
        }
        vlast = v;
      }
      long ilo = i + 1;

      if (iup != maxpos && ilo != maxpos && iup - ilo >= minlen_ && upOk && loOk) {
        mask[pos[ilo]] = kEdge;
        mask[pos[iup]] = kEdge;
        if (hslok && lslok && mask[pos[maxpos]] != kEdge && maxval >= thresh_) mask[pos[maxpos]] += kPeak;
      }
      for (long k = ilo; k <= iup; ++k) used[k] = 1;
    }
  }

 private:
  long minlen_;
  double thresh_, noise_, rms_, flatslope_, deltav_;
};

// Lines of direction `xvec` starting on every pixel of one face of the
// array (cupidRCheckFace + cupidRCopyLine). `lower` selects the face at the
// lower bound of `axis`; CUPID visits the upper face first and steps the
// face pixels in decreasing order there.
void scanFace(const Array& a, const Geometry& g, int axis, bool lower, const int xvec[3], const LineScanner& scanner,
              std::vector<double>& vals, std::vector<std::size_t>& pos, std::vector<char>& used, int* mask,
              const Control& control) {
  if (g.dims[axis] <= 4) return;
  if (lower && xvec[axis] <= 0) return;
  if (!lower && xvec[axis] >= 0) return;

  long x1[3], x2[3];
  int inc;
  if (lower) {
    for (int k = 0; k < 3; ++k) {
      x1[k] = 1;
      x2[k] = g.dims[k] + 1;
    }
    x2[axis] = 2;
    inc = 1;
  } else {
    for (int k = 0; k < 3; ++k) {
      x1[k] = g.dims[k];
      x2[k] = 0;
    }
    x2[axis] = g.dims[axis] - 1;
    inc = -1;
  }
  long vskip = xvec[0] * g.skip[0] + xvec[1] * g.skip[1] + xvec[2] * g.skip[2];

  long x0[3];
  for (x0[2] = x1[2]; x0[2] != x2[2]; x0[2] += inc) {
    control.check();
    for (x0[1] = x1[1]; x0[1] != x2[1]; x0[1] += inc) {
      for (x0[0] = x1[0]; x0[0] != x2[0]; x0[0] += inc) {
        long iv = (x0[0] - 1) * g.skip[0] + (x0[1] - 1) * g.skip[1] + (x0[2] - 1) * g.skip[2];
        long x[3] = {x0[0], x0[1], x0[2]};
        long n = 0;
        while (x[0] >= 1 && x[0] <= g.dims[0] && x[1] >= 1 && x[1] <= g.dims[1] && x[2] >= 1 && x[2] <= g.dims[2]) {
          vals[n] = a.data[iv];
          pos[n] = static_cast<std::size_t>(iv);
          ++n;
          iv += vskip;
          for (int k = 0; k < 3; ++k) x[k] += xvec[k];
        }
        scanner.scan(n, vals.data(), pos.data(), used, mask);
      }
    }
  }
}

// Grid (1-based) coordinates of a flat index.
inline void gridOf(const Geometry& g, std::size_t iv, long& ox, long& oy, long& oz) {
  ox = static_cast<long>(iv % g.dims[0]) + 1;
  oy = static_cast<long>((iv / g.dims[0]) % g.dims[1]) + 1;
  oz = static_cast<long>(iv / (g.dims[0] * g.dims[1])) + 1;
}

// Cellular automaton that dilates or erodes "on" pixels (cupidRCA): pixels
// at or above `magic` (peaks) pass through; others become `on` when the
// fraction of `on` pixels in their in-bounds 3^n box exceeds `thresh`.
void dilateErode(const Geometry& g, const std::vector<int>& in, std::vector<int>& out, double thresh, int magic,
                 const Control& control) {
  out.resize(g.nel);
  for (std::size_t iv = 0; iv < g.nel; ++iv) {
    if ((iv & 0xffff) == 0) control.check();
    if (in[iv] >= magic) {
      out[iv] = magic;
      continue;
    }
    long ox, oy, oz;
    gridOf(g, iv, ox, oy, oz);
    long zlo = std::max(oz - 1, 1L), zhi = std::min(oz + 1, g.dims[2]);
    long ylo = std::max(oy - 1, 1L), yhi = std::min(oy + 1, g.dims[1]);
    long xlo = std::max(ox - 1, 1L), xhi = std::min(ox + 1, g.dims[0]);
    int tot = 0, sum = 0;
    for (long z = zlo; z <= zhi; ++z)
      for (long y = ylo; y <= yhi; ++y) {
        std::size_t row = static_cast<std::size_t>(((z - 1) * g.dims[1] + (y - 1)) * g.dims[0]);
        for (long x = xlo; x <= xhi; ++x) {
          ++tot;
          if (in[row + x - 1] == kEdge) ++sum;
        }
      }
    // CUPID forms the fraction in single precision.
    float frac = static_cast<float>(sum) / static_cast<float>(tot);
    out[iv] = (static_cast<double>(frac) > thresh) ? kEdge : kBack;
  }
}

// Majority filter over the in-bounds 3^n box (cupidRCA2): the most frequent
// value wins, ties going to the value met first in scan order of the box.
void majorityFilter(const Geometry& g, const std::vector<int>& in, std::vector<int>& out, const Control& control) {
  out.resize(g.nel);
  int party[27], votes[27];
  for (std::size_t iv = 0; iv < g.nel; ++iv) {
    if ((iv & 0xffff) == 0) control.check();
    long ox, oy, oz;
    gridOf(g, iv, ox, oy, oz);
    long zlo = std::max(oz - 1, 1L), zhi = std::min(oz + 1, g.dims[2]);
    long ylo = std::max(oy - 1, 1L), yhi = std::min(oy + 1, g.dims[1]);
    long xlo = std::max(ox - 1, 1L), xhi = std::min(ox + 1, g.dims[0]);
    int np = 0;
    for (long z = zlo; z <= zhi; ++z)
      for (long y = ylo; y <= yhi; ++y) {
        std::size_t row = static_cast<std::size_t>(((z - 1) * g.dims[1] + (y - 1)) * g.dims[0]);
        for (long x = xlo; x <= xhi; ++x) {
          int v = in[row + x - 1];
          int ip = 0;
          while (ip < np && party[ip] != v) ++ip;
          if (ip == np) {
            party[np] = v;
            votes[np] = 0;
            ++np;
          }
          ++votes[ip];
        }
      }
    int winner = 0;
    for (int ip = 1; ip < np; ++ip)
      if (votes[ip] > votes[winner]) winner = ip;
    out[iv] = party[winner];
  }
}

// The line-by-line fill from each peak (cupidRFillClumps / cupidRFillLine).
class Filler {
 public:
  Filler(const Geometry& g, const std::vector<int>& edges, std::vector<int>& out)
      : g_(g), edges_(edges), out_(out) {}

  std::vector<long> peakX;  // grid x of each peak: all CUPID's "distance" uses

  void line(const long gp[3], std::size_t iv, int axis, int id, int depth) {
    int next = axis == 2 ? 0 : axis + 1;
    for (int dir = 1; dir >= -1; dir -= 2) {
      long p[3] = {gp[0], gp[1], gp[2]};
      long ii = static_cast<long>(iv);
      while (p[axis] >= 1 && p[axis] <= g_.dims[axis] && edges_[ii] != kEdge) {
        int old = out_[ii];
        if (old == kUnassigned) {
          out_[ii] = id;
        } else if (old != id) {
          // CUPID's squared distance uses the axis-1 offset for all three
          // terms; copied because the reference masks depend on it.
          long dn = p[0] - peakX[id], dd = p[0] - peakX[old];
          long dnew = 3 * dn * dn, dold = 3 * dd * dd;
          if (dnew < dold)
            out_[ii] = id;
          else
            break;
        }
        if (depth < 3) line(p, static_cast<std::size_t>(ii), next, id, depth + 1);
        p[axis] += dir;
        ii += dir * g_.skip[axis];
      }
    }
  }

 private:
  const Geometry& g_;
  const std::vector<int>& edges_;
  std::vector<int>& out_;
};

}  // namespace

AlgorithmOutput reinhold(const Array& a, double rms, const Beam& beam, Config& config, const Control& control) {
  AlgorithmOutput result;
  if (a.ndim < 1 || a.ndim > 3) throw Error("Reinhold: the data must have 1, 2 or 3 axes");
  if (!(rms > 0) || !std::isfinite(rms)) throw Error("Reinhold: RMS must be a positive number");

  Geometry g;
  g.ndim = a.ndim;
  g.nel = 1;
  for (int k = 0; k < 3; ++k) {
    g.dims[k] = k < a.ndim ? static_cast<long>(a.dims[k]) : 1;
    if (g.dims[k] < 1) throw Error("Reinhold: the data array is empty");
    g.nel *= static_cast<std::size_t>(g.dims[k]);
  }
  for (int k = 0; k < 3; ++k) g.skip[k] = k < a.ndim ? (k == 0 ? 1 : g.skip[k - 1] * g.dims[k - 1]) : 0;
  if (a.data.size() != g.nel) throw Error("Reinhold: the data array does not match its dimensions");

  // Parameters, read in CUPID's order.
  long minlen = config.integer("MinLen", 4);
  double noise = config.rmsValue("Noise", 2 * rms, rms);
  double thresh = config.rmsValue("Thresh", noise + 2 * rms, rms);
  double flatslope = config.rmsValue("FlatSlope", rms, rms);
  double boxSize = std::pow(3.0, a.ndim);
  long cathreshPix = config.integer("CAThresh", static_cast<long>(boxSize - 1.0));
  long caiter = config.integer("CAIterations", 1);
  long fixiter = config.integer("FixClumpsIterations", 1);
  long minpix = config.integer("MinPix", defaultMinPix(a.ndim, beam, noise, thresh));

  if (minlen < 0) throw Error("Reinhold.MinLen = " + std::to_string(minlen) + ": must not be negative");
  if (caiter < 0) throw Error("Reinhold.CAIterations = " + std::to_string(caiter) + ": must not be negative");
  if (fixiter < 0)
    throw Error("Reinhold.FixClumpsIterations = " + std::to_string(fixiter) + ": must not be negative");
  if (minpix < 0) throw Error("Reinhold.MinPix = " + std::to_string(minpix) + ": must not be negative");

  double cathresh = static_cast<double>(cathreshPix) / boxSize;
  cathresh = std::min(cathresh, 0.98);
  cathresh = std::max(cathresh, 0.0);
  cathresh += 0.01;

  // 1. Edges and peak counts along lines in half of the 3^n-1 directions.
  control.report(0.0, "reinhold: finding edges");
  std::vector<int> mask(g.nel, kBack);
  int ivlim = a.ndim == 1 ? 1 : (a.ndim == 2 ? 4 : 13);
  int ylo = a.ndim > 1 ? -1 : 0, zlo = a.ndim > 2 ? -1 : 0;
  {
    LineScanner scanner(static_cast<int>(std::min<long>(minlen, INT_MAX)), thresh, noise, rms, flatslope);
    long longest = std::max({g.dims[0], g.dims[1], g.dims[2]});
    std::vector<double> vals(longest);
    std::vector<std::size_t> pos(longest);
    std::vector<char> used(longest);
    int iv = 0;
    int xvec[3];
    for (xvec[2] = zlo; xvec[2] <= -zlo; ++xvec[2])
      for (xvec[1] = ylo; xvec[1] <= -ylo; ++xvec[1])
        for (xvec[0] = -1; xvec[0] <= 1; ++xvec[0]) {
          if (iv++ >= ivlim) continue;
          control.check();
          control.report(0.6 * (iv - 1) / ivlim, "reinhold: finding edges");
          for (int axis = 0; axis < 3; ++axis)
            for (int lower = 0; lower <= 1; ++lower)
              scanFace(a, g, axis, lower != 0, xvec, scanner, vals, pos, used, mask.data(), control);
        }
  }
  // A pixel counts as a peak when it collected ivlim increments, which CUPID
  // also accepts from duplicate scans in one direction.
  const int peakval = kBack + ivlim * kPeak;

  // 2. Dilate the edges, then erode them CAIterations times.
  control.report(0.6, "reinhold: dilating and eroding edges");
  std::vector<int> m2, m1 = mask;
  dilateErode(g, mask, m2, 0.0, peakval, control);
  for (long i = 0; i < caiter; ++i) {
    dilateErode(g, m2, m1, cathresh, peakval, control);
    std::swap(m1, m2);
  }
  // m2 now holds the final edges.

  // 3. Fill from each peak, along axis 1 first, then (2-D/3-D) axis 2, then (3-D) axis 3.
  control.report(0.7, "reinhold: filling clumps");
  std::vector<int> clumps(g.nel, kUnassigned);
  Filler filler(g, m2, clumps);
  int npeak = 0;
  {
    for (std::size_t i = 0; i < g.nel; ++i) {
      if (m2[i] != peakval) continue;
      long gp[3];
      gridOf(g, i, gp[0], gp[1], gp[2]);
      filler.peakX.push_back(gp[0]);
      filler.line(gp, i, 0, npeak++, 1);
      if ((npeak & 63) == 0) control.check();
    }
    for (int startAxis = 1; startAxis < a.ndim; ++startAxis) {
      int id = 0;
      for (std::size_t i = 0; i < g.nel; ++i) {
        if (m2[i] != peakval) continue;
        long gp[3];
        gridOf(g, i, gp[0], gp[1], gp[2]);
        filler.line(gp, i, startAxis, id++, 1);
        if ((id & 63) == 0) control.check();
      }
    }
  }
  if (npeak == 0) return result;

  // 4. Smooth the clump boundaries.
  control.report(0.85, "reinhold: cleaning clumps");
  std::vector<int> cleaned;
  for (long i = 0; i < fixiter; ++i) {
    majorityFilter(g, clumps, cleaned, control);
    std::swap(clumps, cleaned);
  }

  // 5. Measure, reject small and thin clumps, order by peak.
  control.report(0.95, "reinhold: measuring clumps");
  std::vector<long> count(npeak, 0);
  std::vector<double> peak(npeak, -DBL_MAX);
  std::vector<long> lo(3 * npeak, LONG_MAX), hi(3 * npeak, LONG_MIN);
  for (std::size_t i = 0; i < g.nel; ++i) {
    int id = clumps[i];
    if (id < 0) continue;
    ++count[id];
    double v = a.data[i];
    if (v > peak[id]) peak[id] = v;
    long x[3];
    gridOf(g, i, x[0], x[1], x[2]);
    for (int k = 0; k < 3; ++k) {
      lo[3 * id + k] = std::min(lo[3 * id + k], x[k]);
      hi[3 * id + k] = std::max(hi[3 * id + k], x[k]);
    }
  }
  std::vector<int> good;
  for (int id = 0; id < npeak; ++id) {
    if (count[id] <= minpix) continue;
    bool thin = false;
    for (int k = 0; k < a.ndim; ++k)
      if (lo[3 * id + k] == hi[3 * id + k]) thin = true;
    if (!thin) good.push_back(id);
  }
  // CUPID's bubble sort is stable, as is this.
  std::stable_sort(good.begin(), good.end(), [&](int p, int q) { return peak[p] > peak[q]; });

  std::vector<int> slot(npeak, -1);
  result.clumps.resize(good.size());
  for (std::size_t k = 0; k < good.size(); ++k) {
    slot[good[k]] = static_cast<int>(k);
    result.clumps[k].pixels.reserve(count[good[k]]);
    result.clumps[k].values.reserve(count[good[k]]);
  }
  for (std::size_t i = 0; i < g.nel; ++i) {
    int id = clumps[i];
    if (id < 0 || slot[id] < 0) continue;
    Clump& c = result.clumps[slot[id]];
    c.pixels.push_back(i);
    c.values.push_back(a.data[i]);
  }
  control.report(1.0, "reinhold: done");
  return result;
}

}  // namespace cupid
