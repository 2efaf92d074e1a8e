// GaussClumps' objective, the function SUMSL minimises for each clump: the
// beam-convolved Gaussian model (cupidGCModel) and CUPID's modified chi²
// (cupidGCChiSq). Its value and gradient take SUMSL's evaluation numbers,
// as CUPID's cupidGCcalcf and cupidGCcalcg do, because the re-weighting of
// the first evaluations and the cached evaluation are keyed on them.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace cupid {
namespace gaussclumps {

constexpr double kFourLn2 = 2.772588722239781;
constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxPar = 11;

// Parameter layout (CUPID's): 0 peak, 1 background, 2 centre offset on
// axis 0, 3 FWHM 0, 4 centre offset 1, 5 FWHM 1, 6 angle, 7 velocity
// centre offset, 8 velocity FWHM, 9-10 velocity gradients. Widths are the
// intrinsic (pre-beam) FWHMs; values are in units of the RMS noise.
using Params = std::array<double, kMaxPar>;

inline int parCount(int ndim) { return ndim == 1 ? 4 : (ndim == 2 ? 7 : 11); }

// The fit's configuration: the GaussClumps parameters, the beam and the
// axis order, as gaussClumps() resolves them.
struct Settings {
  int ndim = 2;
  int dax[3] = {0, 1, 2};  // internal axis (velocity last) -> array axis
  int fax[3] = {0, 1, 2};  // array axis -> internal axis
  double beamFwhm = 2, velRes = 2;
  double beamSq = 4, velresSq = 4;
  double fwhmStart = NAN, veloStart = NAN;  // NaN: estimate from the data
  double sa = 1, sb = 0.1, s0p1 = 2, sc4 = 4;
  double wwidth = 2, wmin = 0.05, beta = 0;
  long nwf = 10;
  double minwf = 0.8, maxwf = 1.1;
  long maxnf = 100;
  double rfctol = 1e-6;
};

// The section of the residuals being fitted, and the modified chi² over it
// (cupidGCChiSq), including CUPID's adaptive re-weighting of the first
// evaluations.
class Objective {
 public:
  explicit Objective(const Settings& s) : s_(s) {}

  // Section, in internal axis order (GRID coordinates).
  long lbnd[3] = {1, 1, 1}, ubnd[3] = {1, 1, 1};
  std::vector<double> data, weight;
  std::vector<float> coord[3];  // GRID coordinates of each section pixel
  double ymax = 0;
  double xmax[3] = {0, 0, 0};
  bool fixback = false;

  void resize(std::size_t n) {
    data.resize(n);
    weight.resize(n);
    for (auto& c : coord) c.resize(n);
    scaled_.resize(n);
    resu_.resize(n);
    model_.resize(n);
    expv_.resize(n);
  }

  // Pixels with zero weight contribute nothing (and re-weighting keeps them
  // at zero), so the sums run over the others only.
  void collectActive() {
    active_.clear();
    for (std::size_t i = 0; i < weight.size(); ++i)
      if (weight[i] != 0.0) active_.push_back(i);
  }

  int freeCount() const { return parCount(s_.ndim) - (fixback ? 1 : 0); }

  // Free-parameter vector <-> full parameter set. Positions are offsets
  // from the peak pixel, as current CUPID fits them (SUMSL's relative-step
  // tests would otherwise depend on where the clump lies in the array).
  Params expand(const double* x) const {
    Params p{};
    int n = parCount(s_.ndim);
    if (!fixback) {
      for (int i = 0; i < n; ++i) p[i] = x[i];
    } else {
      p[0] = x[0];
      p[1] = fixedBack_;
      for (int i = 2; i < n; ++i) p[i] = x[i - 1];
    }
    return p;
  }
  void compress(const Params& p, double* x) const {
    int n = parCount(s_.ndim);
    if (!fixback) {
      for (int i = 0; i < n; ++i) x[i] = p[i];
    } else {
      x[0] = p[0];
      for (int i = 2; i < n; ++i) x[i - 1] = p[i];
    }
  }
  void setFixedBackground(double b) { fixedBack_ = b; }

  // Forget the cached evaluation (a new section is being fitted).
  void resetCount() { nf_ = -1; }

  // Chi² at SUMSL's evaluation number `nf` (cupidGCcalcf); false if the
  // point is unusable (a width <= 0). A repeated `nf` returns the cached value.
  bool value(const double* x, long nf, double& f);

  // Gradient at evaluation `nf` (cupidGCcalcg): a point other than the last
  // one evaluated is evaluated again first, re-weighting included, as CUPID does.
  bool gradient(const double* x, long nf, double* g);

  // Beam-convolved model (background included) at GRID position x, with
  // the centre given as offsets from `ref`.
  static double model(int nd, const Settings& s, const Params& p, const double* ref, const double* x);

 private:
  bool evaluate(const double* x, double& f);
  void computeGradient(const double* x, double* g);
  void geometry(const Params& p);
  void modelAt(std::size_t i, const Params& p, double& expv, double& m) const;
  void modelDerivs(std::size_t i, const Params& p, double* d) const;

  const Settings& s_;
  std::vector<double> scaled_, resu_, model_, expv_;
  std::vector<std::size_t> active_;
  Params init_{};
  double fixedBack_ = 0;
  long nf_ = -1;
  double lastF_ = 0;
  bool lastOk_ = false;
  long nwm_ = 0;
  double bgPrev_ = 0;
  double wsum_ = 1;
  double gback_ = 0;
  double pdiff_ = 0;
  double peakFactor_ = 0, f3_ = 0, f5_ = 0, f8_ = 0;
  double dx0_ = 1, dx1_ = 1, dv_ = 1, cos_ = 1, sin_ = 0;
};

}  // namespace gaussclumps
}  // namespace cupid
