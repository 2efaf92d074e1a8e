// CUPID's clump finders, re-implemented from ../shared/cupid/SPEC.md.
// Plain C++17, no Node-API: the binding (native/cupid/binding.cc) and the
// development driver (native/cupid/tools/) both sit on top of this.
//
// Conventions (SPEC §1.1): arrays are in CUPID/FITS order, axis 1 (dims[0])
// varies fastest. Values are doubles with NaN for bad pixels (the binding
// converts ±Inf and the input type's blanks to NaN). Pixel indices here are
// zero-based; the catalogue reports CUPID's PIXEL coordinates (index + 0.5).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cupid {

// A bad configuration value, bad input or an impossible request. The message
// is shown to the user as is, so it names the parameter and the cause.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when Control::cancel becomes true.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

struct Array {
  int ndim = 0;  // 1, 2 or 3 significant axes
  std::size_t dims[3] = {1, 1, 1};
  std::vector<double> data;  // dims[0]*dims[1]*dims[2] values, NaN = bad
  bool isFloat32 = true;     // input type: the RMS estimator (§1.4) forms its Laplacian in it
  std::size_t size() const { return dims[0] * dims[1] * dims[2]; }
};

// Cancellation and progress, checked/called from the working thread.
struct Control {
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(double fraction, const char* stage)> progress;
  void check() const {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
  }
  void report(double f, const char* stage) const {
    if (progress) progress(f, stage);
  }
};

// Configuration as FINDCLUMPS takes it (§1.3): "Algorithm.Name=value" or
// "Name=value", case-insensitive names, "x*RMS" values. Every value an
// algorithm uses, defaults included, is written back to `resolved` with the
// upper-case name, as CUPID does.
class Config {
 public:
  Config(std::string algorithm, const std::map<std::string, std::string>& supplied);
  double number(const std::string& name, double fallback);                // plain number
  double rmsValue(const std::string& name, double fallback, double rms);  // number, RMS or x*RMS
  long integer(const std::string& name, long fallback);                   // non-integers are an error
  bool has(const std::string& name) const;
  void setResolved(const std::string& name, const std::string& value);
  // Names supplied but never read by the algorithm: unknown keys are an error.
  std::vector<std::string> unused() const;
  const std::map<std::string, std::string>& resolved() const { return resolved_; }
  const std::string& algorithm() const { return algorithm_; }

 private:
  const std::string* find(const std::string& name);
  std::string algorithm_;
  std::map<std::string, std::string> supplied_;  // upper-case name without prefix -> value
  std::map<std::string, bool> used_;
  std::map<std::string, std::string> resolved_;
};

// One clump as an algorithm returns it (§1.6): its pixels (flat zero-based
// indices, scan order) with their cut-out values: the data for FellWalker,
// ClumpFind and Reinhold, the fitted model for GaussClumps.
struct Clump {
  std::vector<std::size_t> pixels;
  std::vector<double> values;
  // GaussClumps only: the fit parameters CUPID keeps in the clump's extension
  // (PEAK, OFFSET, CENTREi in PIXEL coordinates, FWHMi, ANGLE in degrees, VGRADi, SUM).
  std::map<std::string, double> extension;
};

// What an algorithm returns, in its own order (already sorted by peak for the
// non-Gaussian ones, §1.6).
struct AlgorithmOutput {
  std::vector<Clump> clumps;
};

// Beam FWHM in pixels per axis (§1.5), axis order as Array::dims.
struct Beam {
  double fwhm[3] = {0, 0, 0};
  int velax = -1;  // zero-based velocity axis for 3-D data, -1 if none
};

// §1.4: CUPID's robust noise estimate. Throws Error for constant data or too few values.
double estimateRms(const Array& a);

// §1.5: the default MinPix for threshold T and peak P.
long defaultMinPix(int ndim, const Beam& beam, double threshold, double peak);

// The algorithms. Each reads its parameters from `config`, records what it
// used, and throws Error on invalid values.
AlgorithmOutput fellWalker(const Array& a, double rms, const Beam& beam, Config& config, const Control& control);
AlgorithmOutput clumpFind(const Array& a, double rms, const Beam& beam, Config& config, const Control& control);
AlgorithmOutput reinhold(const Array& a, double rms, const Beam& beam, Config& config, const Control& control);
AlgorithmOutput gaussClumps(const Array& a, double rms, const Beam& beam, Config& config, const Control& control);

// §1.7: one catalogue row, in CUPID's column order.
struct CatalogueRow {
  int index = 0;  // mask value, 0 if rejected
  int cell = 0;   // 1-based position in the algorithm's list (the reference CSVs' "cell")
  bool accepted = false;
  std::string rejectReason;  // "", "bad_pixels", "smaller_than_beam_spatial", "smaller_than_beam_spectral"
  double peak[3], cen[3], size[3];
  double sum = 0, peakValue = 0, volume = 0;
  double sizeNoDeconv[3];
  double peakNoDeconv = 0;
  std::map<std::string, double> extension;  // GaussClumps' extra columns, keyed by column name (GCFWHM1, GCANGLE, ext_PEAK, ...)
};

// The catalogue's columns in the reference order: index, cell, accepted,
// reject_reason, Peak1.., Cen1.., Size1.., Sum, Peak, Volume, Size1_nodeconv..,
// Peak_nodeconv, then GCFWHM1.., GCANGLE and ext_* when any row has them.
std::vector<std::string> catalogueColumns(int ndim, const std::vector<CatalogueRow>& rows);
// A numeric column's value (NaN for bad or absent values, and for the text
// column reject_reason; "index" is NaN for rejected rows).
double catalogueValue(const CatalogueRow& row, int ndim, const std::string& column);

struct FindClumpsOptions {
  std::string method;  // "fellwalker", "clumpfind", "reinhold", "gaussclumps"
  std::map<std::string, std::string> config;
  double rms = 0;  // <= 0: estimate it (§1.4)
  bool deconv = true;
  int backoff = -1;  // -1: CUPID's default (§1.7)
  int velax = -1;    // zero-based velocity axis of 3-D data (-1: axis 3)
};

struct FindClumpsResult {
  int ndim = 0;                    // significant axes (length-1 axes dropped, §1.1): the catalogue's n
  std::vector<std::int32_t> mask;  // 0 = background; GaussClumps: see `model`
  std::vector<float> model;        // GaussClumps: sum of accepted models
  std::vector<CatalogueRow> rows;  // every clump the algorithm returned, CUPID's order
  std::map<std::string, std::string> resolved;
  double rms = 0;
  double beamcorr[3] = {0, 0, 0};
  int nRejectedBadPixels = 0, nRejectedBeamSpatial = 0, nRejectedBeamSpectral = 0;
  int nClumps = 0;
};

// The FINDCLUMPS flow (§1.6): RMS, beam corrections, the algorithm, the
// bad-neighbour test, the catalogue and the mask.
FindClumpsResult findClumps(const Array& a, const FindClumpsOptions& options, const Control& control);

}  // namespace cupid
