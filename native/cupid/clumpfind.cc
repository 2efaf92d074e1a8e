// ClumpFind (SPEC §3): contours from the top down; what appears at a level
// either extends the clumps above it or starts a new one (CUPID's
// cupidClumpFind / cupidCFScan / cupidCFNebs / cupidCFErode / cupidCFIdl).
//
// CUPID renumbers its labels compactly and reuses freed numbers, but a new
// label always gets a number above every live one and renumbering keeps the
// order, so labels here are simply numbered in creation order: every
// tie-break ("lowest label", "older label", "highest first") compares the same.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>

#include "grid.h"

namespace cupid {
namespace {

using detail::Grid;

struct Params {
  std::vector<double> levels;  // descending
  long naxis, minPix;
  bool allowEdge, idl;
};

struct Label {
  bool alive = true;
  long pop = 0;
  long lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  double vpeak = -std::numeric_limits<double>::max();
  long peak[3] = {0, 0, 0};
  bool edge = false;      // never cleared, even when the edge pixel moves on
  std::vector<int> nebs;  // IDL mode: nearest older labels of its pixels
  // Only while its level is processed: its pixels, each with the older label
  // it would move to (-1: none) as seen when it was scanned.
  std::vector<std::pair<std::size_t, int>> pixels;
};

// A pixel above the lowest level, with its value (read once, in scan order).
struct Above {
  std::size_t p;
  double v;
};

struct Offset {
  long dx, dy, dz;
  std::ptrdiff_t d;
};

// The Naxis-neighbours in cupidCFNebs' order.
std::vector<Offset> neighbourOffsets(const Grid& g, long naxis) {
  std::vector<Offset> o;
  auto add = [&](long dx, long dy, long dz) {
    if ((dy && g.ndim < 2) || (dz && g.ndim < 3)) return;
    o.push_back({dx, dy, dz,
                 dx + dy * static_cast<std::ptrdiff_t>(g.stride[1]) + dz * static_cast<std::ptrdiff_t>(g.stride[2])});
  };
  add(-1, 0, 0), add(1, 0, 0), add(0, -1, 0), add(0, 1, 0), add(0, 0, -1), add(0, 0, 1);
  if (naxis >= 2) {
    add(1, -1, 0), add(1, 1, 0), add(-1, -1, 0), add(-1, 1, 0);
    for (long dz : {1L, -1L}) add(-1, 0, dz), add(1, 0, dz), add(0, -1, dz), add(0, 1, dz);
  }
  if (naxis >= 3)
    for (long dz : {1L, -1L})
      for (long dx : {1L, -1L}) add(dx, -1, dz), add(dx, 1, dz);
  return o;
}

class ClumpFinder {
 public:
  ClumpFinder(const Array& a, const Params& p, const Control& control)
      : a_(a), g_(a), p_(p), control_(control), offsets_(neighbourOffsets(g_, p.naxis)), lab_(g_.size) {
    detail::parallelFor(g_.size, [this](std::size_t b, std::size_t e) { std::fill(lab_.begin() + b, lab_.begin() + e, -1); });
    for (long dz = g_.ndim > 2 ? -1 : 0; dz <= (g_.ndim > 2 ? 1 : 0); ++dz)
      for (long dy = g_.ndim > 1 ? -1 : 0; dy <= (g_.ndim > 1 ? 1 : 0); ++dy)
        rows_.push_back(dy * static_cast<std::ptrdiff_t>(g_.stride[1]) +
                        dz * static_cast<std::ptrdiff_t>(g_.stride[2]) - 1);
  }

  AlgorithmOutput run();

 private:
  struct Nebs {
    int n1 = 0;         // labels of this level around the pixel
    int il1 = INT_MAX;  // the lowest of them
    int i1[27];
    int il2 = -1;  // the older label with the nearest peak (first on ties)
  };

  bool isEdge(long x, long y, long z) const {
    return x == 0 || x == g_.dims[0] - 1 || (g_.ndim > 1 && (y == 0 || y == g_.dims[1] - 1)) ||
           (g_.ndim > 2 && (z == 0 || z == g_.dims[2] - 1));
  }
  int find(int l) {
    if (parent_[l] == l) return l;
    while (parent_[l] != l) {
      parent_[l] = parent_[parent_[l]];
      l = parent_[l];
    }
    return l;
  }
  template <typename Visit>
  void forNeighbours(std::size_t p, long x, long y, long z, Visit visit) const {
    const bool inside = x > 0 && x + 1 < g_.dims[0] && (g_.ndim < 2 || (y > 0 && y + 1 < g_.dims[1])) &&
                        (g_.ndim < 3 || (z > 0 && z + 1 < g_.dims[2]));
    for (const Offset& o : offsets_) {
      long nx = x + o.dx, ny = y + o.dy, nz = z + o.dz;
      if (!inside && (nx < 0 || nx >= g_.dims[0] || ny < 0 || ny >= g_.dims[1] || nz < 0 || nz >= g_.dims[2]))
        continue;
      visit(static_cast<std::size_t>(static_cast<std::ptrdiff_t>(p) + o.d), nx, ny, nz);
    }
  }
  // Labels below `older` count as older; the others as this level's.
  Nebs neighbours(std::size_t p, long x, long y, long z, int older);
  void addPixel(int l, std::size_t p, long x, long y, long z, double v);
  void merge(int from, int into);
  void scan(const Above* begin, const Above* end);
  // The pixels of a level are sparse: fetching the label rows around the pixel
  // a few ahead hides most of the memory latency.
  void prefetchBox(std::size_t p) const {
    for (std::ptrdiff_t r : rows_) {
      std::ptrdiff_t q = static_cast<std::ptrdiff_t>(p) + r;
      if (q >= 0 && q < static_cast<std::ptrdiff_t>(g_.size)) __builtin_prefetch(lab_.data() + q);
    }
  }
  void erode(int l);
  void idlTransfer(int l);

  const Array& a_;
  const Grid g_;
  const Params& p_;
  const Control& control_;
  const std::vector<Offset> offsets_;
  std::vector<std::ptrdiff_t> rows_;  // start of each row of the 3^n box, relative to its centre
  detail::Labels lab_;
  std::vector<Label> labels_;
  detail::Ticker* ticker_ = nullptr;
  std::size_t done_ = 0;  // pixels scanned so far, for progress
  std::vector<int> parent_;
};

ClumpFinder::Nebs ClumpFinder::neighbours(std::size_t p, long x, long y, long z, int older) {
  Nebs n;
  double d1 = -1;
  // Distances to the older labels' peaks are measured from the neighbouring
  // pixel being looked at, not from p, and the one for the first label found
  // is only worked out when a second turns up, from that second neighbour:
  // cupidCFNebs' coordinates are those of the neighbour under test.
  forNeighbours(p, x, y, z, [&](std::size_t q, long qx, long qy, long qz) {
    if (lab_[q] < 0) return;
    int l = find(lab_[q]);
    if (l < older) {
      if (n.il2 < 0) {
        n.il2 = l;
        d1 = -1;
        return;
      }
      auto dist2 = [&](const Label& c) {
        double dx = static_cast<double>(c.peak[0] - qx), dy = static_cast<double>(c.peak[1] - qy),
               dz = static_cast<double>(c.peak[2] - qz);
        return dx * dx + dy * dy + dz * dz;
      };
      if (d1 < 0) d1 = dist2(labels_[n.il2]);
      double d2 = dist2(labels_[l]);
      if (d2 < d1) {
        n.il2 = l;
        d1 = d2;
      }
    } else {
      n.i1[n.n1++] = l;
      if (l < n.il1) n.il1 = l;
    }
  });
  return n;
}

void ClumpFinder::addPixel(int l, std::size_t p, long x, long y, long z, double v) {
  Label& c = labels_[l];
  long xyz[3] = {x, y, z};
  if (c.pop++) {
    for (int i = 0; i < 3; ++i) {
      c.lo[i] = std::min(c.lo[i], xyz[i]);
      c.hi[i] = std::max(c.hi[i], xyz[i]);
    }
  } else {
    for (int i = 0; i < 3; ++i) c.lo[i] = c.hi[i] = xyz[i];
  }
  if (v > c.vpeak) {
    c.vpeak = v;
    for (int i = 0; i < 3; ++i) c.peak[i] = xyz[i];
  }
  if (isEdge(x, y, z)) c.edge = true;
  lab_[p] = l;
}

// Two labels of the current level meet: `from` joins `into` (cupidCFXfer).
void ClumpFinder::merge(int from, int into) {
  Label& s = labels_[from];
  Label& d = labels_[into];
  for (int i = 0; i < 3; ++i) {
    d.lo[i] = std::min(d.lo[i], s.lo[i]);
    d.hi[i] = std::max(d.hi[i], s.hi[i]);
  }
  d.pop += s.pop;
  d.edge = d.edge || s.edge;
  if (s.vpeak > d.vpeak) {
    d.vpeak = s.vpeak;
    for (int i = 0; i < 3; ++i) d.peak[i] = s.peak[i];
  }
  d.nebs.insert(d.nebs.end(), s.nebs.begin(), s.nebs.end());
  if (s.pixels.size() > d.pixels.size()) s.pixels.swap(d.pixels);
  d.pixels.insert(d.pixels.end(), s.pixels.begin(), s.pixels.end());
  s = Label();
  s.alive = false;
  parent_[from] = into;
}

void ClumpFinder::scan(const Above* begin, const Above* end) {
  const int hindex = static_cast<int>(labels_.size());
  const std::ptrdiff_t kAhead = 8;
  for (const Above* e = begin; e < end; ++e) {
    ticker_->tick(done_++);
    if (end - e > kAhead) prefetchBox(e[kAhead].p);
    const std::size_t p = e->p;
    long x, y, z;
    g_.coords(p, x, y, z);
    Nebs n = neighbours(p, x, y, z, hindex);
    int l;
    if (n.n1 == 0) {
      l = static_cast<int>(labels_.size());
      labels_.emplace_back();
      parent_.push_back(l);
    } else {
      l = n.il1;
    }
    addPixel(l, p, x, y, z, e->v);
    labels_[l].pixels.emplace_back(p, n.il2);
    for (int i = 0; i < n.n1; ++i)
      if (n.i1[i] != l && labels_[n.i1[i]].alive) merge(n.i1[i], l);
    if (p_.idl && n.il2 >= 0) labels_[l].nebs.push_back(n.il2);
  }
}

// ApJ mode: peel off, layer by layer, the pixels that touch older clumps,
// giving each to the one whose peak is nearest. Only pixels next to a pixel
// moved in the previous layer can move in the next one.
void ClumpFinder::erode(int l) {
  // The first layer is known from the scan: the older labels next to a pixel
  // have not changed since (pixels move only out of this level's labels,
  // which never touch each other).
  std::vector<std::pair<std::size_t, int>> moves;
  for (const auto& px : labels_[l].pixels)
    if (px.second >= 0) moves.push_back(px);
  std::vector<std::size_t> candidates;
  for (;;) {
    if (moves.empty()) break;
    for (const auto& [p, to] : moves) {
      long x, y, z;
      g_.coords(p, x, y, z);
      addPixel(to, p, x, y, z, -std::numeric_limits<double>::max());
    }
    labels_[l].pop -= static_cast<long>(moves.size());
    candidates.clear();
    for (const auto& mv : moves) {
      long x, y, z;
      g_.coords(mv.first, x, y, z);
      forNeighbours(mv.first, x, y, z, [&](std::size_t q, long, long, long) {
        if (lab_[q] >= 0 && find(lab_[q]) == l) candidates.push_back(q);
      });
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    moves.clear();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (i + 8 < candidates.size()) prefetchBox(candidates[i + 8]);
      const std::size_t p = candidates[i];
      long x, y, z;
      g_.coords(p, x, y, z);
      Nebs n = neighbours(p, x, y, z, l);
      if (n.il2 >= 0) moves.emplace_back(p, n.il2);
    }
  }
  // The box shrinks to the pixels left.
  Label& left = labels_[l];
  bool first = true;
  for (const auto& px : left.pixels) {
    const std::size_t p = px.first;
    if (find(lab_[p]) != l) continue;
    long xyz[3];
    g_.coords(p, xyz[0], xyz[1], xyz[2]);
    for (int i = 0; i < 3; ++i) {
      left.lo[i] = first ? xyz[i] : std::min(left.lo[i], xyz[i]);
      left.hi[i] = first ? xyz[i] : std::max(left.hi[i], xyz[i]);
    }
    first = false;
  }
}

// IDL mode: every pixel goes to whichever older neighbour label has the
// nearest peak (lowest label on ties).
void ClumpFinder::idlTransfer(int l) {
  std::vector<int> nebs = labels_[l].nebs;
  if (nebs.empty()) return;
  std::sort(nebs.begin(), nebs.end());
  nebs.erase(std::unique(nebs.begin(), nebs.end()), nebs.end());
  for (const auto& px : labels_[l].pixels) {
    const std::size_t p = px.first;
    long x, y, z;
    g_.coords(p, x, y, z);
    long long best = LLONG_MAX;
    int to = nebs[0];
    for (int r : nebs) {
      const Label& c = labels_[r];
      long long dx = c.peak[0] - x, dy = c.peak[1] - y, dz = c.peak[2] - z;
      long long d2 = dx * dx + dy * dy + dz * dz;
      if (d2 < best) {
        best = d2;
        to = r;
      }
    }
    addPixel(to, p, x, y, z, -std::numeric_limits<double>::max());
  }
  labels_[l].pop = 0;
}

AlgorithmOutput ClumpFinder::run() {
  const std::vector<double>& levels = p_.levels;
  const std::size_t nlev = levels.size();

  // Only pixels newly above a level can join at that level (everything above
  // the previous level got a label there), so sort the pixels above the lowest
  // level by the first level they reach, keeping scan order within a level.
  std::vector<std::pair<std::uint32_t, Above>> above, upper;
  detail::parallelFor(g_.size, [&](std::size_t begin, std::size_t end) {
    auto& out = begin == 0 ? above : upper;  // halves in order: concatenated below
    for (std::size_t p = begin; p < end; ++p) {
      double v = a_.data[p];
      if (!(v >= levels[nlev - 1])) continue;
      std::size_t k = std::partition_point(levels.begin(), levels.end(), [v](double lev) { return !(v >= lev); }) -
                      levels.begin();
      out.push_back({static_cast<std::uint32_t>(k), Above{p, v}});
    }
  });
  above.insert(above.end(), upper.begin(), upper.end());
  std::vector<std::pair<std::uint32_t, Above>>().swap(upper);
  std::vector<std::size_t> start(nlev + 1, 0);
  for (const auto& e : above) ++start[e.first + 1];
  for (std::size_t k = 0; k < nlev; ++k) start[k + 1] += start[k];
  const std::size_t total = start[nlev];
  std::vector<Above> order(total);
  {
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (const auto& e : above) order[fill[e.first]++] = e.second;
  }
  std::vector<std::pair<std::uint32_t, Above>>().swap(above);

  detail::Ticker ticker(control_, "clumpfind: contouring", 0.05, 0.95, total);
  ticker_ = &ticker;
  for (std::size_t k = 0; k < nlev; ++k) {
    if ((k & 1023) == 0) control_.check();
    if (start[k] == start[k + 1]) continue;
    const Above* first = order.data() + start[k];
    const Above* last = order.data() + start[k + 1];
    const int hindex = static_cast<int>(labels_.size());
    scan(first, last);
    const bool newok = p_.idl || k + 1 < nlev;
    for (int l = static_cast<int>(labels_.size()) - 1; l >= hindex; --l) {
      if ((l & 1023) == 0) control_.check();
      if (!labels_[l].alive) continue;
      if (p_.idl)
        idlTransfer(l);
      else
        erode(l);
      if (labels_[l].pop == 0 || !newok) labels_[l].alive = false;
      std::vector<std::pair<std::size_t, int>>().swap(labels_[l].pixels);
      labels_[l].nebs.clear();
      labels_[l].nebs.shrink_to_fit();
    }
    for (const Above* e = first; e < last; ++e) lab_[e->p] = find(lab_[e->p]);
  }

  // Reject small, edge and thin clumps; order by peak.
  control_.report(0.95, "clumpfind: measuring");
  AlgorithmOutput out;
  std::vector<int> slot(labels_.size(), -1);
  std::vector<double> peaks;
  for (std::size_t l = 0; l < labels_.size(); ++l) {
    const Label& c = labels_[l];
    if (!c.alive) continue;
    if (c.pop < p_.minPix) continue;
    if (c.edge && !p_.allowEdge) continue;
    bool thin = false;
    for (int i = 0; i < g_.ndim; ++i) thin |= c.lo[i] == c.hi[i];
    if (thin) continue;
    slot[l] = static_cast<int>(peaks.size());
    peaks.push_back(c.vpeak);
  }
  out.clumps = detail::gatherClumps(a_, lab_, slot, peaks.size());
  detail::sortByPeak(out.clumps, peaks);
  control_.report(1.0, "clumpfind: done");
  return out;
}

std::string str(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

Params readParams(Config& config, const Array& a, double rms, const Beam& beam, double& mind, double& maxd) {
  Params p;
  const int ndim = a.ndim;
  p.allowEdge = config.integer("AllowEdge", 0) != 0;
  p.naxis = config.integer("Naxis", ndim);
  config.number("RMS", rms);
  p.idl = config.integer("IDLAlg", 0) != 0;
  if (p.naxis < 1 || p.naxis > ndim)
    throw Error("ClumpFind.Naxis must be between 1 and the number of axes (" + std::to_string(ndim) + "), got " +
                std::to_string(p.naxis));

  double range[2][2] = {{INFINITY, -INFINITY}, {INFINITY, -INFINITY}};
  detail::parallelFor(a.data.size(), [&](std::size_t begin, std::size_t end) {
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = begin; i < end; ++i) {
      double v = a.data[i];
      if (v < lo) lo = v;  // false for NaN
      if (v > hi) hi = v;
    }
    double* r = range[begin == 0 ? 0 : 1];  // parallelFor splits in two halves
    r[0] = lo;
    r[1] = hi;
  });
  mind = std::min(range[0][0], range[1][0]);
  maxd = std::max(range[0][1], range[1][1]);
  if (!(maxd >= mind)) throw Error("ClumpFind: the data contain no good pixels");
  double amax = std::max(std::fabs(maxd), std::fabs(mind));
  if (rms >= amax)
    throw Error("ClumpFind: the RMS noise (" + str(rms) + ") is not smaller than the largest absolute data value (" +
                str(amax) + ")");

  for (int i = 1; config.has("Level" + std::to_string(i)); ++i)
    p.levels.push_back(config.rmsValue("Level" + std::to_string(i), 0, rms));
  if (!p.levels.empty()) {
    if (config.has("Tlow") || config.has("DeltaT"))
      throw Error("ClumpFind: Tlow and DeltaT cannot be combined with explicit contour levels (Level1, Level2, ...)");
    std::stable_sort(p.levels.begin(), p.levels.end(), [](double x, double y) { return x > y; });
  } else {
    double tlow = config.rmsValue("Tlow", 2.0 * rms, rms);
    if (tlow < mind)
      throw Error("ClumpFind.Tlow (" + str(tlow) + ") is below the smallest data value (" + str(mind) + ")");
    if (tlow >= maxd)
      throw Error("ClumpFind.Tlow (" + str(tlow) + ") is not below the largest data value (" + str(maxd) + ")");
    double deltat = config.rmsValue("DeltaT", 2.0 * rms, rms);
    if (deltat <= 0) throw Error("ClumpFind.DeltaT (" + str(deltat) + ") must be positive");
    double n = std::floor((maxd - tlow) / deltat) + 1;
    if (n < 2 || n > 1e7)
      throw Error("ClumpFind: Tlow " + str(tlow) + " and DeltaT " + str(deltat) + " give " + str(n) +
                  " contour levels (2 to 10000000 are allowed)");
    p.levels.resize(static_cast<std::size_t>(n));
    // Repeated addition, as CUPID, not multiplication.
    double level = tlow;
    for (std::size_t i = p.levels.size(); i-- > 0;) {
      p.levels[i] = level;
      level += deltat;
    }
  }

  long def = 5;
  if (p.levels.size() > 1)
    def = defaultMinPix(ndim, beam, p.levels[p.levels.size() - 1], p.levels[p.levels.size() - 2]);
  p.minPix = config.integer("MinPix", def);
  if (p.minPix < 0) throw Error("ClumpFind.MinPix must be zero or positive (got " + std::to_string(p.minPix) + ")");
  return p;
}

}  // namespace

AlgorithmOutput clumpFind(const Array& a, double rms, const Beam& beam, Config& config, const Control& control) {
  double mind, maxd;
  control.report(0.0, "clumpfind: levels");
  Params p = readParams(config, a, rms, beam, mind, maxd);
  return ClumpFinder(a, p, control).run();
}

}  // namespace cupid
