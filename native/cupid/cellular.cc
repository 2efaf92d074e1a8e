#include "cellular.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <utility>

namespace cupid {
namespace detail {
namespace {

// Calls f(x0, x1, y, z, p) for each row segment of [begin, end) in scan order.
template <typename F>
void forRows(const Grid& g, std::size_t begin, std::size_t end, F f) {
  std::size_t p = begin;
  while (p < end) {
    long x, y, z;
    g.coords(p, x, y, z);
    long x1 = std::min<long>(g.dims[0], x + static_cast<long>(end - p));
    f(x, x1, y, z, p);
    p += static_cast<std::size_t>(x1 - x);
  }
}

struct Box {
  long lo[3], hi[3];
};

inline Box boxAround(const Grid& g, long x, long y, long z) {
  Box b;
  long c[3] = {x, y, z};
  for (int i = 0; i < 3; ++i) {
    b.lo[i] = c[i] > 0 ? c[i] - 1 : 0;
    b.hi[i] = c[i] + 1 < g.dims[i] ? c[i] + 1 : g.dims[i] - 1;
  }
  return b;
}

// The flat offsets of a pixel's 3^n box (itself included) for interior pixels, in scan order.
int boxOffsets(const Grid& g, std::ptrdiff_t off[27]) {
  int noff = 0;
  const long zr = g.ndim > 2, yr = g.ndim > 1;
  for (long dz = -zr; dz <= zr; ++dz)
    for (long dy = -yr; dy <= yr; ++dy)
      for (long dx = -1; dx <= 1; ++dx)
        off[noff++] = dx + dy * static_cast<std::ptrdiff_t>(g.stride[1]) + dz * static_cast<std::ptrdiff_t>(g.stride[2]);
  return noff;
}

}  // namespace

void removeIsolated(const Grid& g, const Labels& input, Labels& output,
                    double frac) {
  output.resize(input.size());
  const std::int32_t* in = input.data();
  std::int32_t* out = output.data();
  std::ptrdiff_t off[27];
  const int noff = boxOffsets(g, off);
  const long zr = g.ndim > 2, yr = g.ndim > 1;
  parallelFor(g.size, [&](std::size_t begin, std::size_t end) {
    forRows(g, begin, end, [&](long x0, long x1, long y, long z, std::size_t p) {
      const bool rowInside = (!yr || (y > 0 && y + 1 < g.dims[1])) && (!zr || (z > 0 && z + 1 < g.dims[2]));
      for (long x = x0; x < x1; ++x, ++p) {
        if (in[p] != 0) {
          out[p] = -1;
          continue;
        }
        int sum = 0, tot = 0;
        if (rowInside && x > 0 && x + 1 < g.dims[0]) {
          for (int i = 0; i < noff; ++i) sum += in[static_cast<std::ptrdiff_t>(p) + off[i]] == 0;
          tot = noff;
        } else {
          Box b = boxAround(g, x, y, z);
          for (long k = b.lo[2]; k <= b.hi[2]; ++k)
            for (long j = b.lo[1]; j <= b.hi[1]; ++j) {
              const std::int32_t* q = in + g.index(b.lo[0], j, k);
              for (long i = b.lo[0]; i <= b.hi[0]; ++i, ++tot) sum += *q++ == 0;
            }
        }
        out[p] = static_cast<float>(sum) / static_cast<float>(tot) > frac ? 0 : -1;
      }
    });
  });
}

namespace {

// cupidRCA2's vote over the n values of a box in scan order: the first value
// to reach `target` votes wins at once, otherwise the most frequent, ties
// going to the value met first. `target` is always more than half of any
// box that can reach it (14 of 18 or 27, 5 of 6 or 9, 2 of 2 or 3), so the
// early win only ever goes to a strict majority, which is the most frequent
// value anyway: the result is the most frequent value, ties going to the
// value met first. Counted here one distinct value at a time, in order of
// first appearance, over values already loaded (no dependent loads, no
// branch per value).
inline std::int32_t vote(const std::int32_t* v, int n) {
  std::int32_t winner = v[0];
  int best = 0, left = n;  // `left`: values not yet counted
  std::int32_t counted[27];
  int ncounted = 0;
  for (int i = 0; i < n && left > best; ++i) {
    const std::int32_t c = v[i];
    bool seen = false;
    for (int k = 0; k < ncounted; ++k) seen |= counted[k] == c;
    if (seen) continue;
    counted[ncounted++] = c;
    int votes = 0;
    for (int j = i; j < n; ++j) votes += v[j] == c;
    left -= votes;
    if (votes > best) {  // strictly more: ties stay with the value met first
      best = votes;
      winner = c;
    }
  }
  return winner;
}

// dst = a | b (| c), eight bytes at a time (plain C++: no -O3 needed).
void orBytes(std::uint8_t* dst, const std::uint8_t* a, const std::uint8_t* b, const std::uint8_t* c, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y, z = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (c) std::memcpy(&z, c + i, 8);
    x |= y | z;
    std::memcpy(dst + i, &x, 8);
  }
  for (; i < n; ++i) dst[i] = static_cast<std::uint8_t>(a[i] | b[i] | (c ? c[i] : 0));
}

// near[p] = 1 when some pixel of p's box is not -1: elsewhere the box holds
// nothing but -1 and the vote keeps -1. A separable dilation: along axis 1
// from the labels, then along axes 2 and 3 a row or plane at a time.
void nearLabels(const Grid& g, const std::int32_t* in, std::uint8_t* near, std::uint8_t* tmp) {
  const long nx = g.dims[0];
  std::uint8_t* cur = near;
  std::uint8_t* other = tmp;
  if (g.ndim % 2 == 0) std::swap(cur, other);  // so that the last pass writes `near`
  parallelFor(g.size, [&](std::size_t begin, std::size_t end) {
    forRows(g, begin, end, [&](long x0, long x1, long, long, std::size_t p) {
      for (long x = x0; x < x1; ++x, ++p) {
        int on = in[p] != -1;
        if (x > 0) on |= in[p - 1] != -1;
        if (x + 1 < nx) on |= in[p + 1] != -1;
        cur[p] = static_cast<std::uint8_t>(on);
      }
    });
  });
  for (int axis = 1; axis < g.ndim; ++axis) {
    // Rows (axis 2) or planes (axis 3) of `len` bytes, `count` of them per block.
    const std::size_t len = g.stride[axis];
    const long count = g.dims[axis];
    const std::size_t blocks = g.size / (len * static_cast<std::size_t>(count));
    parallelFor(
        blocks * static_cast<std::size_t>(count), [&](std::size_t begin, std::size_t end) {
          for (std::size_t r = begin; r < end; ++r) {
            const long c = static_cast<long>(r % static_cast<std::size_t>(count));
            const std::uint8_t* mid = cur + r * len;
            const std::uint8_t* lo = c > 0 ? mid - len : nullptr;
            const std::uint8_t* hi = c + 1 < count ? mid + len : nullptr;
            std::uint8_t* dst = other + r * len;
            if (lo && hi)
              orBytes(dst, mid, lo, hi, len);
            else if (lo || hi)
              orBytes(dst, mid, lo ? lo : hi, nullptr, len);
            else
              std::memcpy(dst, mid, len);
          }
        },
        64);
    std::swap(cur, other);
  }
}

}  // namespace

bool majorityFilter(const Grid& g, const Labels& input, Labels& output) {
  output.resize(input.size());
  const std::int32_t* in = input.data();
  std::int32_t* out = output.data();

  // Most boxes hold nothing but the background (-1) and keep it: find the
  // others with a separable dilation and vote only there.
  // Left uninitialised: the passes write every element (and fault the pages in on both threads).
  std::unique_ptr<std::uint8_t[]> a(new std::uint8_t[g.size]), b(new std::uint8_t[g.size]);
  nearLabels(g, in, a.get(), b.get());
  const std::uint8_t* near = a.get();

  // Box offsets for interior pixels, in scan order.
  std::ptrdiff_t off[27];
  const int noff = boxOffsets(g, off);
  const long zr = g.ndim > 2, yr = g.ndim > 1;

  std::atomic<bool> changed{false};
  parallelFor(g.size, [&](std::size_t begin, std::size_t end) {
    bool any = false;
    std::int32_t v[27];
    forRows(g, begin, end, [&](long x0, long x1, long y, long z, std::size_t p) {
      const bool rowInside = (!yr || (y > 0 && y + 1 < g.dims[1])) && (!zr || (z > 0 && z + 1 < g.dims[2]));
      for (long x = x0; x < x1; ++x, ++p) {
        if (!near[p]) {
          out[p] = -1;
          continue;
        }
        if (rowInside && x > 0 && x + 1 < g.dims[0]) {
          const std::int32_t* c = in + p;
          for (int i = 0; i < noff; ++i) v[i] = c[off[i]];
          out[p] = vote(v, noff);
        } else {
          int n = 0;
          Box bx = boxAround(g, x, y, z);
          for (long k = bx.lo[2]; k <= bx.hi[2]; ++k)
            for (long j = bx.lo[1]; j <= bx.hi[1]; ++j) {
              const std::int32_t* q = in + g.index(bx.lo[0], j, k);
              for (long i = bx.lo[0]; i <= bx.hi[0]; ++i) v[n++] = *q++;
            }
          out[p] = vote(v, n);
        }
        any = any || out[p] != in[p];
      }
    });
    if (any) changed = true;
  });
  return changed;
}

}  // namespace detail
}  // namespace cupid
