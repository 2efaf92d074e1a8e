// §1.4 CUPID's robust noise estimate and §1.5 the default MinPix.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "cupid.h"
#include "grid.h"

namespace cupid {
namespace {

// T is the type CUPID forms the Laplacian in: the input type, so that float
// data round the same way (each product and the square are rounded to T).
template <typename T>
double laplacianRms(const Array& a) {
  const std::size_t n = a.size();
  const std::size_t rowlen = a.dims[0];
  const T bad = std::numeric_limits<T>::quiet_NaN();

  // One parallel pass: the Laplacian of every row (values converted to T on
  // the fly) and the data range (combined per thread: order-independent).
  std::unique_ptr<T[]> w(new T[n]);
  double range[2][2] = {{INFINITY, -INFINITY}, {INFINITY, -INFINITY}};
  const std::size_t nrow = n / rowlen;
  detail::parallelFor(
      nrow, [&](std::size_t r0, std::size_t r1) {
        double lo = INFINITY, hi = -INFINITY;
        for (std::size_t r = r0; r < r1; ++r) {
          const double* p = a.data.data() + r * rowlen;
          T* q = w.get() + r * rowlen;
          for (std::size_t i = 0; i < rowlen; ++i) {
            const double v = p[i];
            if (v < lo) lo = v;  // false for NaN
            if (v > hi) hi = v;
            q[i] = bad;
            if (i == 0 || i + 1 == rowlen) continue;
            const T left = static_cast<T>(p[i - 1]), mid = static_cast<T>(v), right = static_cast<T>(p[i + 1]);
            if (!std::isnan(left) && !std::isnan(mid) && !std::isnan(right)) q[i] = -left + T(2) * mid - right;
          }
        }
        double* out = range[r0 == 0 ? 0 : 1];  // parallelFor splits in two halves
        out[0] = lo;
        out[1] = hi;
      },
      256);
  const double minv = std::min(range[0][0], range[1][0]);
  const double maxv = std::max(range[0][1], range[1][1]);

  // Summed in scan order on one thread: the sum must not depend on a split.
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isnan(w[i])) {
      T sq = w[i] * w[i];
      sum += sq;
      ++count;
    }
  if (count < 2)
    throw Error(
        "cannot estimate the RMS noise: too few good pixels with good neighbours along axis 1 "
        "(supply RMS explicitly)");
  if (!(maxv > minv)) throw Error("cannot estimate the RMS noise: all good pixel values are equal");
  double rms = std::sqrt(sum / static_cast<double>(count));

  // 4-sigma clipping over the flattened array; a rejected value takes its two
  // neighbours on each side with it (the two before were already summed).
  for (;;) {
    double thresh = 4 * rms;
    sum = 0;
    count = 0;
    std::size_t nrej = 0;
    for (std::size_t i = 2; i + 2 < n; ++i) {
      T v = w[i];
      if (std::isnan(v)) continue;
      if (std::fabs(static_cast<double>(v)) > thresh) {
        for (std::size_t j = i - 2; j <= i + 2; ++j) w[j] = bad;
        ++nrej;
      } else {
        T sq = v * v;
        sum += sq;
        ++count;
      }
    }
    if (count == 0)
      throw Error("cannot estimate the RMS noise: no values survive the clipping (supply RMS explicitly)");
    rms = std::sqrt(sum / static_cast<double>(count));
    if (nrej == 0) break;
  }
  rms /= 2.46182;
  if (rms == 0) rms = 0.001 * (maxv - minv);
  return rms;
}

}  // namespace

double estimateRms(const Array& a) {
  if (a.data.size() != a.size() || a.size() == 0) throw Error("cannot estimate the RMS noise of an empty array");
  return a.isFloat32 ? laplacianRms<float>(a) : laplacianRms<double>(a);
}

long defaultMinPix(int ndim, const Beam& beam, double threshold, double peak) {
  long lowlim = ndim == 1 ? 3 : (ndim == 2 ? 7 : 16);
  double f = std::log(peak / threshold) / std::log(2.0);
  double n;
  if (ndim == 1)
    n = beam.fwhm[0] * std::sqrt(f);
  else if (ndim == 2)
    n = 3.14159 * beam.fwhm[0] * beam.fwhm[1] * f / 4.0;
  else
    n = 3.14159 * beam.fwhm[0] * beam.fwhm[1] * beam.fwhm[2] * std::pow(f, 1.5) / 4.0;
  // CUPID converts to int unchecked, undefined for NaN (threshold <= 0) and
  // overflow: NaN falls back on the floor value, overflow saturates.
  if (!(n >= 0)) return lowlim;
  if (n > 2e9) return 2000000000L;
  long r = static_cast<long>(n);
  return r < lowlim ? lowlim : r;
}

}  // namespace cupid
