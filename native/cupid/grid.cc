#include "grid.h"

#include <algorithm>
#include <numeric>
#include <thread>

namespace cupid {
namespace detail {

void sortByPeak(std::vector<Clump>& clumps, const std::vector<double>& peaks) {
  std::vector<std::size_t> order(clumps.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return peaks[a] > peaks[b]; });
  std::vector<Clump> sorted;
  sorted.reserve(clumps.size());
  for (std::size_t i : order) sorted.push_back(std::move(clumps[i]));
  clumps.swap(sorted);
}

std::vector<Clump> gatherClumps(const Array& a, const Labels& labels, const std::vector<int>& slot,
                                std::size_t nclumps) {
  std::vector<Clump> clumps(nclumps);
  const std::size_t nslot = slot.size();
  for (std::size_t p = 0; p < labels.size(); ++p) {
    std::int32_t l = labels[p];
    if (l < 0 || static_cast<std::size_t>(l) >= nslot || slot[l] < 0) continue;
    Clump& c = clumps[slot[l]];
    c.pixels.push_back(p);
    c.values.push_back(a.data[p]);
  }
  return clumps;
}

void parallelFor(std::size_t n, const std::function<void(std::size_t, std::size_t)>& f, std::size_t grain) {
  // Below the grain the thread start-up costs more than it saves.
  unsigned hw = std::thread::hardware_concurrency();
  if (n < 2 || n < grain || hw < 2) {
    f(0, n);
    return;
  }
  std::size_t half = n / 2;
  std::exception_ptr failure;
  std::thread other([&] {
    try {
      f(half, n);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  try {
    f(0, half);
  } catch (...) {
    other.join();
    throw;
  }
  other.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace detail
}  // namespace cupid
