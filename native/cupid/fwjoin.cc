// FellWalker §2.2 step 4: merge adjoining clumps separated by a dip smaller
// than MinDip (CUPID's cupidFWJoin / cupidFWPixelSets / cupidCFXfer).
#include <limits>
#include <utility>

#include "fellwalker.h"

namespace cupid {
namespace detail {
namespace {

struct PixelSet {
  bool alive = false;
  double vpeak = 0;
  std::vector<int> nebs;     // neighbour clump numbers in order of discovery; -1 = dropped entry
  std::vector<double> cols;  // col height towards each entry of nebs
};

// Records the peak and the neighbours with their col heights of every clump
// with pixels in [begin, end), scanning the 3^n box of each clump pixel.
void scanPixelSets(const Array& a, const Grid& g, const Labels& labels, std::size_t begin, std::size_t end,
                   std::vector<PixelSet>& sets, const Control& control) {
  // The 3^n box in scan order, as offsets (the centre is skipped by label).
  std::vector<std::ptrdiff_t> box;
  for (long dz = g.ndim > 2 ? -1 : 0; dz <= (g.ndim > 2 ? 1 : 0); ++dz)
    for (long dy = g.ndim > 1 ? -1 : 0; dy <= (g.ndim > 1 ? 1 : 0); ++dy)
      for (long dx = -1; dx <= 1; ++dx)
        box.push_back(dx + dy * static_cast<std::ptrdiff_t>(g.stride[1]) + dz * static_cast<std::ptrdiff_t>(g.stride[2]));
  long x, y, z;
  g.coords(begin, x, y, z);
  for (std::size_t p = begin; p < end; ++p) {
    if (x == 0 && (y & 63) == 0) control.check();
    const int lo = labels[p];
    if (lo >= 0) {
      double vo = a.data[p];
      PixelSet& ps = sets[lo];
      if (!ps.alive) {
        ps.alive = true;
        ps.vpeak = vo;
      } else if (vo > ps.vpeak) {
        ps.vpeak = vo;
      }
      int last = -1;
      std::size_t lastIndex = 0;
      auto visit = [&](std::size_t q) {
        int li = labels[q];
        if (li == lo || li == -1) return;
        std::size_t n;
        if (li == last) {
          n = lastIndex;
        } else {
          for (n = 0; n < ps.nebs.size() && ps.nebs[n] != li; ++n) {
          }
          if (n == ps.nebs.size()) {
            ps.nebs.push_back(li);
            ps.cols.push_back(-std::numeric_limits<double>::max());
          }
          last = li;
          lastIndex = n;
        }
        double col = 0.5 * (a.data[q] + vo);
        if (col > ps.cols[n]) ps.cols[n] = col;
      };
      const bool inside = x > 0 && x + 1 < g.dims[0] && (g.ndim < 2 || (y > 0 && y + 1 < g.dims[1])) &&
                          (g.ndim < 3 || (z > 0 && z + 1 < g.dims[2]));
      if (inside) {
        // Most clump pixels have only their own clump around them.
        bool alone = true;
        for (std::ptrdiff_t o : box) alone &= labels[static_cast<std::ptrdiff_t>(p) + o] == lo;
        if (!alone)
          for (std::ptrdiff_t o : box) visit(static_cast<std::size_t>(static_cast<std::ptrdiff_t>(p) + o));
      } else {
        for (long k = z - 1; k <= z + 1; ++k) {
          if (k < 0 || k >= g.dims[2]) continue;
          for (long j = y - 1; j <= y + 1; ++j) {
            if (j < 0 || j >= g.dims[1]) continue;
            std::size_t q = g.index(x > 0 ? x - 1 : 0, j, k);
            for (long i = x > 0 ? x - 1 : 0; i <= x + 1 && i < g.dims[0]; ++i, ++q) visit(q);
          }
        }
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
}

// Records every clump's peak and its neighbours with the col heights. The two
// halves of the array are scanned on two threads and combined as one scan in
// order would have found them: peaks and cols are maxima, and the second
// half's new neighbours follow the first half's in order of discovery.
std::vector<PixelSet> pixelSets(const Array& a, const Grid& g, const Labels& labels, int maxLabel,
                                const Control& control) {
  const std::size_t nsets = static_cast<std::size_t>(maxLabel) + 1;
  std::vector<PixelSet> parts[2];
  parts[0].resize(nsets);
  parallelFor(g.size, [&](std::size_t begin, std::size_t end) {
    std::vector<PixelSet>& sets = parts[begin == 0 ? 0 : 1];  // parallelFor splits in two halves
    if (begin != 0) sets.resize(nsets);
    scanPixelSets(a, g, labels, begin, end, sets, control);
  });
  std::vector<PixelSet>& sets = parts[0];
  if (parts[1].empty()) return sets;
  for (std::size_t l = 0; l < nsets; ++l) {
    PixelSet& s = sets[l];
    PixelSet& t = parts[1][l];
    if (!t.alive) continue;
    if (!s.alive) {
      s = std::move(t);
      continue;
    }
    if (t.vpeak > s.vpeak) s.vpeak = t.vpeak;
    const std::size_t ns = s.nebs.size();
    for (std::size_t k = 0; k < t.nebs.size(); ++k) {
      std::size_t n = 0;
      while (n < ns && s.nebs[n] != t.nebs[k]) ++n;
      if (n == ns) {
        s.nebs.push_back(t.nebs[k]);
        s.cols.push_back(t.cols[k]);
      } else if (t.cols[k] > s.cols[n]) {
        s.cols[n] = t.cols[k];
      }
    }
  }
  return sets;
}

}  // namespace

int mergeClumps(const Array& a, const Grid& g, Labels& labels, int maxLabel, double mindip,
                const Control& control) {
  if (mindip <= 0.0 || maxLabel < 1) return maxLabel;
  std::vector<PixelSet> sets = pixelSets(a, g, labels, maxLabel, control);
  // Pixels move only when the merging is over: target[c] is where c went.
  std::vector<int> target(sets.size());
  for (std::size_t i = 0; i < target.size(); ++i) target[i] = static_cast<int>(i);

  for (bool merged = true; merged;) {
    merged = false;
    control.check();
    for (int c = 0; c <= maxLabel; ++c) {
      PixelSet& ps1 = sets[c];
      if (!ps1.alive || ps1.nebs.empty()) continue;
      double topcol = -std::numeric_limits<double>::max();
      int b = -1;
      for (std::size_t n = 0; n < ps1.nebs.size(); ++n)
        if (ps1.nebs[n] != -1 && ps1.cols[n] > topcol) {
          topcol = ps1.cols[n];
          b = ps1.nebs[n];
        }
      if (b == -1 || !(ps1.vpeak < topcol + mindip)) continue;
      merged = true;

      // Every neighbour of c now borders b: c's and b's entries in its list
      // collapse into one entry for b (the first one, with the higher col);
      // b's own entries for c disappear.
      for (int neb : ps1.nebs) {
        if (neb == -1) continue;
        PixelSet& ps2 = sets[neb];
        if (!ps2.alive) continue;
        bool hasNew = neb == b;
        double newcol = hasNew ? std::numeric_limits<double>::max() : 0.0;
        std::size_t jnew = 0;
        for (std::size_t n = 0; n < ps2.nebs.size(); ++n) {
          if (ps2.nebs[n] != c && ps2.nebs[n] != b) continue;
          if (hasNew) {
            ps2.nebs[n] = -1;
            if (ps2.cols[n] > newcol) {
              newcol = ps2.cols[n];
              ps2.cols[jnew] = newcol;
            }
          } else {
            ps2.nebs[n] = b;
            newcol = ps2.cols[n];
            jnew = n;
            hasNew = true;
          }
        }
      }

      // b takes c's pixels, peak and the neighbours it did not already have
      // (with c's cols).
      PixelSet& ps2 = sets[b];
      if (ps1.vpeak > ps2.vpeak) ps2.vpeak = ps1.vpeak;
      std::size_t nb = ps2.nebs.size();
      for (std::size_t n = 0; n < ps1.nebs.size(); ++n) {
        int neb = ps1.nebs[n];
        if (neb == c || neb == b) continue;
        bool there = false;
        for (std::size_t k = 0; k < nb && !there; ++k) there = ps2.nebs[k] == neb;
        if (!there) {
          ps2.nebs.push_back(neb);
          ps2.cols.push_back(ps1.cols[n]);
        }
      }
      target[c] = b;
      ps1 = PixelSet();
    }
  }

  for (std::size_t i = 0; i < target.size(); ++i) {
    int t = target[i];
    while (target[t] != t) t = target[t];
    target[i] = t;
  }
  parallelFor(labels.size(), [&](std::size_t begin, std::size_t end) {
    std::int32_t* l = labels.data();
    for (std::size_t p = begin; p < end; ++p)
      if (l[p] > 0) l[p] = target[l[p]];
  });
  int highest = 0;
  for (int i = maxLabel; i >= 0; --i)
    if (sets[i].alive) {
      highest = i;
      break;
    }
  return highest;
}

}  // namespace detail
}  // namespace cupid
