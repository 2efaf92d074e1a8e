// The FINDCLUMPS flow (§1.5-§1.7): RMS, beam, the algorithm, the
// bad-neighbour test, the catalogue, the rejections and the mask.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>

#include "catalogue.h"
#include "grid.h"

namespace cupid {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Drops length-1 axes (§1.1) and turns ±Inf into NaN. Returns null when the
// array can be used as it is, to avoid copying large cubes.
std::unique_ptr<Array> normalise(const Array& a, int& velax) {
  if (a.ndim < 1 || a.ndim > 3) throw Error("the data must have 1, 2 or 3 axes (got " + std::to_string(a.ndim) + ")");
  std::size_t n = 1;
  for (int i = 0; i < a.ndim; ++i) {
    if (a.dims[i] == 0) throw Error("the data array is empty");
    n *= a.dims[i];
  }
  // Labels are 32-bit.
  if (n >= (std::size_t(1) << 31)) throw Error("arrays of 2^31 pixels or more are not supported");
  if (a.data.size() != n)
    throw Error("the data array holds " + std::to_string(a.data.size()) + " values, its dimensions say " +
                std::to_string(n));
  int sig = 0;
  for (int i = 0; i < a.ndim; ++i) sig += a.dims[i] > 1;
  if (sig == 0) throw Error("the data array has a single pixel: nothing to find clumps in");
  bool infinite = std::any_of(a.data.begin(), a.data.end(), [](double v) { return std::isinf(v); });
  for (int i = a.ndim; i < 3; ++i)
    if (a.dims[i] != 1) throw Error("dimensions beyond ndim must be 1");
  if (sig == a.ndim && !infinite) return nullptr;

  auto out = std::make_unique<Array>();
  out->isFloat32 = a.isFloat32;
  int newVelax = -1;
  for (int i = 0; i < a.ndim; ++i)
    if (a.dims[i] > 1) {
      if (i == velax) newVelax = out->ndim;
      out->dims[out->ndim++] = a.dims[i];
    }
  for (int i = out->ndim; i < 3; ++i) out->dims[i] = 1;
  velax = newVelax;
  out->data = a.data;
  for (double& v : out->data)
    if (std::isinf(v)) v = std::numeric_limits<double>::quiet_NaN();
  return out;
}

// §1.6 step 1: bad clump pixels plus good ones with a bad neighbour along axis 1.
bool touchesBad(const Clump& c, const Array& a, double maxbad) {
  const long nx = static_cast<long>(a.dims[0]);
  std::size_t bad = 0;
  for (std::size_t k = 0; k < c.pixels.size(); ++k) {
    std::size_t p = c.pixels[k];
    if (!detail::good(c.values[k]) || !detail::good(a.data[p])) {
      ++bad;
      continue;
    }
    long x = static_cast<long>(p % a.dims[0]);
    if (x > 0 && x < nx - 1 && (!detail::good(a.data[p - 1]) || !detail::good(a.data[p + 1]))) ++bad;
  }
  return static_cast<double>(bad) > maxbad * static_cast<double>(c.pixels.size());
}

// GaussClumps' fit parameters become ext_* columns; GCFWHMi (the fitted FWHM
// before removing the beam) and GCANGLE are derived when the algorithm did not
// supply them.
void extensionColumns(const Clump& c, int ndim, const double beamcorr[3], CatalogueRow& row) {
  for (const auto& [key, value] : c.extension)
    row.extension[key.compare(0, 2, "GC") == 0 ? key : "ext_" + key] = value;
  for (int a = 0; a < ndim; ++a) {
    std::string gc = "GCFWHM" + std::to_string(a + 1);
    auto f = c.extension.find("FWHM" + std::to_string(a + 1));
    if (!row.extension.count(gc) && f != c.extension.end())
      row.extension[gc] = std::sqrt(f->second * f->second + beamcorr[a] * beamcorr[a]);
  }
  auto angle = c.extension.find("ANGLE");
  if (ndim > 1 && !row.extension.count("GCANGLE") && angle != c.extension.end())
    row.extension["GCANGLE"] = angle->second;
}

}  // namespace

FindClumpsResult findClumps(const Array& input, const FindClumpsOptions& options, const Control& control) {
  const std::string method = lower(options.method);
  if (method != "fellwalker" && method != "clumpfind" && method != "reinhold" && method != "gaussclumps")
    throw Error("unknown method \"" + options.method + "\" (expected fellwalker, clumpfind, reinhold or gaussclumps)");

  int velax = input.ndim == 3 ? (options.velax < 0 ? 2 : options.velax) : -1;
  if (velax > 2) throw Error("velax must be 0, 1 or 2");
  std::unique_ptr<Array> normalised = normalise(input, velax);
  const Array& a = normalised ? *normalised : input;
  const int ndim = a.ndim;
  if (ndim != 3) velax = -1;
  const detail::Grid grid(a);
  const bool gauss = method == "gaussclumps";

  Config config(method, options.config);
  FindClumpsResult result;
  result.ndim = ndim;

  control.report(0.0, "rms");
  double rms;
  if (config.has("RMS")) {
    rms = config.number("RMS", 0);
  } else {
    rms = options.rms > 0 ? options.rms : estimateRms(a);
    rms = config.number("RMS", rms);
  }
  if (!(rms > 0) || !std::isfinite(rms)) throw Error("RMS must be a positive number (got " + std::to_string(rms) + ")");
  control.check();

  // §1.5: FwhmBeam on spatial axes, VeloRes on the velocity axis (GaussClumps
  // treats 1-D data as a spectrum).
  Beam beam;
  double fwhm = config.number("FwhmBeam", 2.0);
  double velores = 2.0;
  if (ndim == 3 || gauss || config.has("VeloRes")) velores = config.number("VeloRes", 2.0);
  if (fwhm < 0) throw Error("FwhmBeam must not be negative");
  if (velores < 0) throw Error("VeloRes must not be negative");
  for (int i = 0; i < ndim; ++i) beam.fwhm[i] = fwhm;
  beam.velax = velax;
  if (velax >= 0) beam.fwhm[velax] = velores;
  if (gauss && ndim == 1) beam.fwhm[0] = velores;
  const double maxbad = config.number("MaxBad", 0.05);
  if (maxbad < 0) throw Error("MaxBad must not be negative");

  Control inner = control;
  if (control.progress)
    inner.progress = [&control](double f, const char* stage) { control.progress(0.05 + 0.85 * f, stage); };

  AlgorithmOutput out;
  if (method == "fellwalker")
    out = fellWalker(a, rms, beam, config, inner);
  else if (method == "clumpfind")
    out = clumpFind(a, rms, beam, config, inner);
  else if (method == "reinhold")
    out = reinhold(a, rms, beam, config, inner);
  else
    out = gaussClumps(a, rms, beam, config, inner);

  std::vector<std::string> unknown = config.unused();
  if (!unknown.empty()) {
    std::string names;
    for (const auto& u : unknown) names += (names.empty() ? "" : ", ") + u;
    throw Error("unknown configuration parameter" + std::string(unknown.size() > 1 ? "s" : "") + " for " + method +
                ": " + names);
  }

  bool backoff = options.backoff >= 0 ? options.backoff != 0 : true;
  if (options.backoff < 0 && method == "clumpfind") {
    auto it = config.resolved().find("IDLALG");
    if (it != config.resolved().end() && it->second != "0") backoff = false;
  }

  control.report(0.9, "catalogue");
  if (gauss)
    result.model.assign(grid.size, 0.0f);
  else
    result.mask.assign(grid.size, 0);
  int next = 0;
  for (std::size_t i = 0; i < out.clumps.size(); ++i) {
    Clump& c = out.clumps[i];
    if (!std::is_sorted(c.pixels.begin(), c.pixels.end())) {
      std::vector<std::size_t> order(c.pixels.size());
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return c.pixels[x] < c.pixels[y]; });
      Clump s;
      for (std::size_t k : order) {
        s.pixels.push_back(c.pixels[k]);
        s.values.push_back(c.values[k]);
      }
      c.pixels.swap(s.pixels);
      c.values.swap(s.values);
    }
    CatalogueRow row;
    row.cell = static_cast<int>(i + 1);
    bool bad = !gauss && touchesBad(c, a, maxbad);
    int ok = detail::describeClump(c, grid, beam.fwhm, options.deconv, backoff, row);
    if (gauss) extensionColumns(c, ndim, beam.fwhm, row);
    if (bad) {
      row.rejectReason = "bad_pixels";
      ++result.nRejectedBadPixels;
    } else if (ok == 0) {
      row.rejectReason = "smaller_than_beam_spatial";
      ++result.nRejectedBeamSpatial;
    } else if (ok < 0) {
      row.rejectReason = "smaller_than_beam_spectral";
      ++result.nRejectedBeamSpectral;
    } else {
      row.accepted = true;
      row.index = ++next;
      for (std::size_t k = 0; k < c.pixels.size(); ++k) {
        std::size_t p = c.pixels[k];
        double v = c.values[k];
        if (!detail::good(v)) continue;
        if (gauss)
          result.model[p] += static_cast<float>(v);
        else if (detail::good(a.data[p]))
          result.mask[p] = row.index;
      }
    }
    result.rows.push_back(std::move(row));
    if ((i & 255) == 255) control.check();
  }
  result.nClumps = next;
  result.rms = rms;
  for (int i = 0; i < 3; ++i) result.beamcorr[i] = i < ndim ? beam.fwhm[i] : 0.0;
  result.resolved = config.resolved();
  control.report(1.0, "done");
  return result;
}

}  // namespace cupid
