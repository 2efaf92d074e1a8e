// Internal helpers shared by the clump finders: array geometry and the
// ordering rule of SPEC §1.6. Not part of the public interface (cupid.h).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "cupid.h"

namespace cupid {
namespace detail {

// Geometry of an array padded to 3 axes: unused axes have length 1 and
// stride 0, the convention CUPID's loops rely on.
struct Grid {
  int ndim = 1;
  long dims[3] = {1, 1, 1};
  std::size_t stride[3] = {0, 0, 0};
  std::size_t size = 1;

  explicit Grid(const Array& a) : ndim(a.ndim) {
    size = 1;
    for (int i = 0; i < 3; ++i) {
      dims[i] = i < ndim ? static_cast<long>(a.dims[i]) : 1;
      stride[i] = i < ndim ? size : 0;
      size *= static_cast<std::size_t>(dims[i]);
    }
  }
  void coords(std::size_t p, long& x, long& y, long& z) const {
    x = static_cast<long>(p % dims[0]);
    std::size_t r = p / dims[0];
    y = static_cast<long>(r % dims[1]);
    z = static_cast<long>(r / dims[1]);
  }
  std::size_t index(long x, long y, long z) const {
    return static_cast<std::size_t>(x) + static_cast<std::size_t>(dims[0]) *
                                             (static_cast<std::size_t>(y) + static_cast<std::size_t>(dims[1]) * static_cast<std::size_t>(z));
  }
};

inline bool good(double v) { return !std::isnan(v); }

// Leaves elements uninitialised on resize: the label arrays are filled by
// parallel passes, which then also share the cost of faulting the pages in.
template <typename T>
struct UninitialisedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  UninitialisedAllocator() = default;
  template <typename U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// One clump label (or -1) per pixel.
using Labels = std::vector<std::int32_t, UninitialisedAllocator<std::int32_t>>;

// CUPID's stable bubble sort on decreasing peak value (§1.6): equal peaks
// keep their order. std::stable_sort gives the same permutation.
void sortByPeak(std::vector<Clump>& clumps, const std::vector<double>& peaks);

// The clumps' cut-outs in one pass: pixel p goes to clump slot[labels[p]]
// (when labels[p] >= 0 and that slot is >= 0), in scan order, with its data
// value (NaN for bad).
std::vector<Clump> gatherClumps(const Array& a, const Labels& labels, const std::vector<int>& slot,
                                std::size_t nclumps);

// Runs f(begin, end) over [0, n) on two threads (f(0, n/2) here, f(n/2, n) on
// the other) when n is at least `grain` units. Callers must make the result
// independent of the split.
void parallelFor(std::size_t n, const std::function<void(std::size_t, std::size_t)>& f,
                 std::size_t grain = std::size_t(1) << 16);

// Reports progress and checks for cancellation at a bounded rate.
class Ticker {
 public:
  Ticker(const Control& control, const char* stage, double from, double to, std::size_t total)
      : control_(control), stage_(stage), from_(from), to_(to), total_(total ? total : 1) {
    step_ = total_ / 50 + 1;
    next_ = step_;
    control_.report(from_, stage_);
  }
  // Cheap enough to call once per unit of work; `done` counts units so far.
  void tick(std::size_t done) {
    if ((++calls_ & 4095u) == 0) control_.check();
    if (done < next_) return;
    next_ = done + step_;
    control_.check();
    double f = static_cast<double>(done) / static_cast<double>(total_);
    control_.report(from_ + (to_ - from_) * (f > 1 ? 1 : f), stage_);
  }

 private:
  const Control& control_;
  const char* stage_;
  double from_, to_;
  std::size_t total_, step_, next_;
  std::size_t calls_ = 0;
};

}  // namespace detail
}  // namespace cupid
