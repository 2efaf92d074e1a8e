// GaussClumps (SPEC §5): fit a beam-convolved Gaussian to the brightest
// residual peak, subtract it, repeat. The flow of cupidGaussClumps and its
// helpers is followed closely (initial guesses, weights, the modified chi²,
// the box-growing subtraction, the termination rules) because those decide
// which peaks become clumps, and the minimiser is a transcription of the
// PORT/PDA SUMSL routine CUPID calls, because CUPID's chi² re-weights pixels
// along the minimiser's path, so the fit depends on the whole sequence of
// points tried. With RFCTol = 1e-10 (the 2016 snapshot's PDA default) the
// reference catalogues (g2d_f32, orion_cont) are reproduced to ~1e-4
// relative; with the upstream default 1e-6 to ~1 % on the faintest clumps.
#include <algorithm>
#include <array>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cupid.h"

namespace cupid {
namespace {

constexpr double kFourLn2 = 2.772588722239781;
constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxPar = 11;

// Parameter layout (CUPID's): 0 peak, 1 background, 2 centre offset on
// axis 0, 3 FWHM 0, 4 centre offset 1, 5 FWHM 1, 6 angle, 7 velocity
// centre offset, 8 velocity FWHM, 9-10 velocity gradients. Widths are the
// intrinsic (pre-beam) FWHMs; values are in units of the RMS noise.
using Params = std::array<double, kMaxPar>;

int parCount(int ndim) { return ndim == 1 ? 4 : (ndim == 2 ? 7 : 11); }

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

// ---------------------------------------------------------------------------
// The section of the residuals being fitted, and the modified chi² over it
// (cupidGCChiSq), including CUPID's adaptive re-weighting of the first
// evaluations.
class Objective {
 public:
  Objective(const Settings& s) : s_(s) {}

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
  bool value(const double* x, long nf, double& f) {
    if (nf == nf_) {
      f = lastF_;
      return lastOk_;
    }
    nf_ = nf;
    lastOk_ = evaluate(x, lastF_);
    if (!lastOk_) lastF_ = 0.0;
    f = lastF_;
    return lastOk_;
  }

  // Gradient at evaluation `nf` (cupidGCcalcg): a point other than the last
  // one evaluated is evaluated again first, re-weighting included, as CUPID does.
  bool gradient(const double* x, long nf, double* g) {
    if (nf != nf_) {
      nf_ = nf;
      lastOk_ = evaluate(x, lastF_);
    }
    computeGradient(x, g);
    return true;
  }

 private:
  bool evaluate(const double* x, double& f) {
    Params p = expand(x);
    int nd = s_.ndim;
    if (nf_ == 1) {
      init_ = p;
      bgPrev_ = p[1];
      nwm_ = 0;
    }
    double backTerm = 0;
    gback_ = 0;
    if (!fixback) {
      double d = p[1] - init_[1];
      gback_ = 2 * s_.sb * d;
      backTerm = s_.sb * d * d;
    }
    if (!(p[3] > 0) || (nd > 1 && !(p[5] > 0)) || (nd > 2 && !(p[8] > 0))) return false;
    geometry(p);
    pdiff_ = peakFactor_ * p[0] + p[1] - ymax;

    bool adapt = !fixback && nf_ > 2 && nwm_ <= s_.nwf;
    bool dbg = false;
    if (adapt) dbg = bgPrev_ != 0.0 ? std::fabs((p[1] - bgPrev_) / bgPrev_) > 0.001 : p[1] != 0.0;
    bool wmod = false;
    double chisq = 0, wsum = 0;
    for (std::size_t i : active_) {
      double expv, m;
      modelAt(i, p, expv, m);
      expv_[i] = expv;
      double res = data[i] - m;
      if (adapt && dbg && res != 0.0 && m != 0.0 && m != model_[i]) {
        double wf = (res - resu_[i]) / res;
        wf /= (m - model_[i]) / m;
        wf = std::fabs(wf);
        wf = wf < s_.minwf ? s_.minwf : (wf > s_.maxwf ? s_.maxwf : wf);
        weight[i] *= wf;
        if (weight[i] > 1.0) weight[i] = 1.0;
        wmod = true;
      }
      resu_[i] = res;
      model_[i] = m;
      double rr = res > 0.0 ? 1.0 : s_.s0p1;
      wsum += weight[i];
      scaled_[i] = weight[i] * res * rr;
      chisq += scaled_[i] * res;
    }
    bgPrev_ = p[1];
    if (wmod) ++nwm_;
    if (!(wsum > 0)) return false;
    wsum_ = wsum;
    chisq /= wsum;
    double t;
    if (nd == 1) {
      t = s_.beamSq > 0 ? p[2] * p[2] / s_.beamSq : 0.0;
    } else {
      t = s_.beamSq > 0 ? (p[2] * p[2] + p[4] * p[4]) / s_.beamSq : 0.0;
      if (nd == 3 && s_.velresSq > 0) t += p[7] * p[7] / s_.velresSq;
    }
    chisq += s_.sa * pdiff_ * pdiff_ + s_.sc4 * t + backTerm;
    f = chisq;
    return std::isfinite(f);
  }

  void computeGradient(const double* x, double* g) {
    Params p = expand(x);
    int nd = s_.ndim, np = parCount(nd);
    double acc[kMaxPar] = {0};
    for (std::size_t i : active_) {
      if (scaled_[i] == 0.0) continue;
      double d[kMaxPar];
      modelDerivs(i, p, d);
      for (int k = 0; k < np; ++k) acc[k] += scaled_[i] * d[k];
    }
    double full[kMaxPar];
    for (int k = 0; k < np; ++k) full[k] = acc[k] * (-2.0 / wsum_);
    full[0] += 2 * s_.sa * pdiff_ * peakFactor_;
    full[1] += 2 * s_.sa * pdiff_ + gback_;
    if (s_.beamSq > 0) full[2] += 2 * s_.sc4 * p[2] / s_.beamSq;
    full[3] += 2 * s_.sa * pdiff_ * p[0] * peakFactor_ * f3_;
    if (nd > 1) {
      if (s_.beamSq > 0) full[4] += 2 * s_.sc4 * p[4] / s_.beamSq;
      full[5] += 2 * s_.sa * pdiff_ * p[0] * peakFactor_ * f5_;
    }
    if (nd > 2) {
      if (s_.velresSq > 0) full[7] += 2 * s_.sc4 * p[7] / s_.velresSq;
      full[8] += 2 * s_.sa * pdiff_ * p[0] * peakFactor_ * f8_;
    }
    if (!fixback) {
      for (int k = 0; k < np; ++k) g[k] = full[k];
    } else {
      g[0] = full[0];
      for (int k = 2; k < np; ++k) g[k - 1] = full[k];
    }
  }

 public:
  // Beam-convolved model (background included) at GRID position x, with
  // the centre given as offsets from `ref`.
  static double model(int nd, const Settings& s, const Params& p, const double* ref, const double* x) {
    double t = p[3] * p[3];
    double dx0 = s.beamSq + t;
    double pf2 = t / dx0;
    double x0 = x[0] - p[2] - ref[0];
    double em;
    if (nd == 1) {
      em = x0 * x0 / dx0;
    } else {
      double t1 = p[5] * p[5];
      double dx1 = s.beamSq + t1;
      pf2 *= t1 / dx1;
      double c = std::cos(p[6]), sn = std::sin(p[6]);
      double x1 = x[1] - p[4] - ref[1];
      double X0 = x0 * c + x1 * sn, X1 = -x0 * sn + x1 * c;
      em = X0 * X0 / dx0 + X1 * X1 / dx1;
      if (nd > 2) {
        double t2 = p[8] * p[8];
        double dv = s.velresSq + t2;
        pf2 *= t2 / dv;
        double vt = x[2] - p[7] - ref[2] - p[9] * x0 - p[10] * x1;
        em += vt * vt / dv;
      }
    }
    double pf = pf2 > 0 ? std::sqrt(pf2) : 0.0;
    return p[0] * pf * std::exp(-kFourLn2 * em) + p[1];
  }

 private:
  void geometry(const Params& p) {
    int nd = s_.ndim;
    double t = p[3] * p[3];
    dx0_ = s_.beamSq + t;
    double pf2 = t / dx0_;
    f3_ = s_.beamSq / (p[3] * dx0_);
    if (nd > 1) {
      t = p[5] * p[5];
      dx1_ = s_.beamSq + t;
      pf2 *= t / dx1_;
      f5_ = s_.beamSq / (p[5] * dx1_);
      cos_ = std::cos(p[6]);
      sin_ = std::sin(p[6]);
      if (nd > 2) {
        t = p[8] * p[8];
        dv_ = s_.velresSq + t;
        pf2 *= t / dv_;
        f8_ = s_.velresSq / (p[8] * dv_);
      }
    }
    peakFactor_ = pf2 > 0 ? std::sqrt(pf2) : 0.0;
  }

  void modelAt(std::size_t i, const Params& p, double& expv, double& m) const {
    double x0 = coord[0][i] - p[2] - xmax[0];
    double em;
    if (s_.ndim == 1) {
      em = x0 * x0 / dx0_;
    } else {
      double x1 = coord[1][i] - p[4] - xmax[1];
      double X0 = x0 * cos_ + x1 * sin_, X1 = -x0 * sin_ + x1 * cos_;
      em = X0 * X0 / dx0_ + X1 * X1 / dx1_;
      if (s_.ndim > 2) {
        double vt = coord[2][i] - p[7] - xmax[2] - p[9] * x0 - p[10] * x1;
        em += vt * vt / dv_;
      }
    }
    expv = std::exp(-kFourLn2 * em);
    m = p[0] * peakFactor_ * expv + p[1];
  }

  // dm/dp for every parameter at section pixel i (cupidGCModel's gradients).
  void modelDerivs(std::size_t i, const Params& p, double* d) const {
    int nd = s_.ndim;
    double x0 = coord[0][i] - p[2] - xmax[0];
    double peak = p[0] * peakFactor_;
    if (nd == 1) {
      double expv = expv_[i];
      double pe = peak * expv;
      d[0] = peakFactor_ * expv;
      d[1] = 1.0;
      d[2] = -kFourLn2 * (-2 * x0 / dx0_) * pe;
      double a = x0 / dx0_;
      d[3] = (-kFourLn2 * (-2 * a * a * p[3]) + f3_) * pe;
      return;
    }
    double x1 = coord[1][i] - p[4] - xmax[1];
    double X0 = x0 * cos_ + x1 * sin_, X1 = -x0 * sin_ + x1 * cos_;
    double vt = 0;
    if (nd > 2) vt = coord[2][i] - p[7] - xmax[2] - p[9] * x0 - p[10] * x1;
    double expv = expv_[i];
    double pe = peak * expv;
    d[0] = peakFactor_ * expv;
    d[1] = 1.0;
    double e2 = -2 * (X0 * cos_ / dx0_ - X1 * sin_ / dx1_);
    double a3 = X0 / dx0_;
    double e3 = -2 * a3 * a3 * p[3];
    double e4 = -2 * (X0 * sin_ / dx0_ + X1 * cos_ / dx1_);
    double a5 = X1 / dx1_;
    double e5 = -2 * a5 * a5 * p[5];
    double e6 = -2 * (X0 * (x0 * sin_ - x1 * cos_) / dx0_ + X1 * (x0 * cos_ + x1 * sin_) / dx1_);
    if (nd > 2) {
      e2 += 2 * p[9] * vt / dv_;
      e4 += 2 * p[10] * vt / dv_;
      double e7 = -2 * vt / dv_;
      double a8 = vt / dv_;
      double e8 = -2 * a8 * a8 * p[8];
      double e9 = -2 * vt * x0 / dv_;
      double e10 = -2 * vt * x1 / dv_;
      d[7] = -kFourLn2 * e7 * pe;
      d[8] = (-kFourLn2 * e8 + f8_) * pe;
      d[9] = -kFourLn2 * e9 * pe;
      d[10] = -kFourLn2 * e10 * pe;
    }
    d[2] = -kFourLn2 * e2 * pe;
    d[3] = (-kFourLn2 * e3 + f3_) * pe;
    d[4] = -kFourLn2 * e4 * pe;
    d[5] = (-kFourLn2 * e5 + f5_) * pe;
    d[6] = -kFourLn2 * e6 * pe;
  }

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

// ---------------------------------------------------------------------------
// PORT's SUMSL (PDA_SUMSL/SUMIT/ASSST/DBDOG/WZBFGS/LUPDAT, D. M. Gay),
// transcribed: BFGS updates of a Cholesky factor, double-dogleg steps in a
// trust region and SUMSL's step assessment and stopping rules. CUPID's
// objective re-weights pixels during the first evaluations, so where a fit
// ends depends on the sequence of points tried, not only on the minimum:
// any other minimiser would take other paths. Indices follow the Fortran
// (1-based) so the code can be checked against it line by line.
class Sumsl {
 public:
  Sumsl(Objective& obj, long maxnf, double rfctol, const Control& control)
      : obj_(obj), maxnf_(maxnf), rfctol_(rfctol), control_(control) {}

  // Returns SUMSL's iv(1): 3-6 converged, 7 singular convergence, 8 false
  // convergence, 9/10 evaluation/iteration limit, 63/65 no value/gradient.
  int run(std::vector<double>& xv) {
    n_ = static_cast<int>(xv.size());
    const int n = n_;
    x_.assign(n + 1, 0.0);
    for (int i = 1; i <= n; ++i) x_[i] = xv[i - 1];
    d_.assign(n + 1, 1.0);
    g_.assign(n + 1, 0.0);
    x0_.assign(n + 1, 0.0);
    step_.assign(n + 1, 0.0);
    stlstg_.assign(n + 1, 0.0);
    g0_.assign(n + 1, 0.0);
    nwtstp_.assign(n + 1, 0.0);
    dg_.assign(n + 1, 0.0);
    l_.assign(n * (n + 1) / 2 + 1, 0.0);
    defaults();
    int code = sumit();
    for (int i = 1; i <= n; ++i) xv[i - 1] = x_[i];
    return code;
  }

 private:
  // iv subscripts
  enum { TOOBIG = 2,
         MODEL = 5,
         NFCALL = 6,
         NFGCAL = 7,
         RADINC = 8,
         RESTOR = 9,
         STAGE = 10,
         STGLIM = 11,
         SWITCH = 12,
         XIRC = 13,
         MXFCAL = 17,
         MXITER = 18,
         INITH = 25,
         IRC = 29,
         NGCALL = 30,
         NITER = 31,
         MLSTGD = 32,
         KAGQT = 33,
         MODE = 35,
         CNVCOD = 55 };
  // v subscripts
  enum { DGNORM = 1,
         DSTNRM = 2,
         DST0 = 3,
         GTSTEP = 4,
         STPPAR = 5,
         NREDUC = 6,
         PREDUC = 7,
         RADIUS = 8,
         RAD0 = 9,
         F = 10,
         FDIF = 11,
         FLSTGD = 12,
         F0 = 13,
         GTSLST = 14,
         PLSTGD = 15,
         RADFAC = 16,
         RELDX = 17,
         DSTSAV = 18,
         DECFAC = 22,
         INCFAC = 23,
         RDFCMN = 24,
         RDFCMX = 25,
         TUNER1 = 26,
         TUNER2 = 27,
         TUNER3 = 28,
         TUNER4 = 29,
         TUNER5 = 30,
         AFCTOL = 31,
         RFCTOL = 32,
         XCTOL = 33,
         XFTOL = 34,
         LMAX0 = 35,
         LMAXS = 36,
         SCTOL = 37,
         DINIT = 38,
         BIAS = 43,
         GTHG = 44,
         GRDFAC = 45,
         NWTFAC = 46 };

  void defaults() {
    std::fill(std::begin(iv_), std::end(iv_), 0);
    std::fill(std::begin(v_), std::end(v_), 0.0);
    const double machep = DBL_EPSILON;
    v_[AFCTOL] = 1e-20;
    v_[DECFAC] = 0.5;
    const double sqteps = std::sqrt(machep);
    const double mepcrt = std::cbrt(machep);
    v_[INCFAC] = 2.0;
    v_[LMAX0] = 1.0;
    v_[LMAXS] = 1.0;
    v_[RDFCMN] = 0.1;
    v_[RDFCMX] = 4.0;
    v_[RFCTOL] = std::max(1e-10, mepcrt * mepcrt);
    v_[SCTOL] = v_[RFCTOL];
    v_[TUNER1] = 0.1;
    v_[TUNER2] = 1e-4;
    v_[TUNER3] = 0.75;
    v_[TUNER4] = 0.5;
    v_[TUNER5] = 0.75;
    v_[XCTOL] = sqteps;
    v_[XFTOL] = 100 * machep;
    v_[BIAS] = 0.8;
    v_[DINIT] = -1.0;
    iv_[MXFCAL] = 200;
    iv_[MXITER] = 150;
    iv_[INITH] = 1;
    // CUPID's overrides.
    iv_[MXFCAL] = static_cast<int>(std::min<long>(maxnf_, INT_MAX));
    v_[RFCTOL] = rfctol_;
    // Never set by SUMSL before its first use; SUMSL has one model.
    iv_[MLSTGD] = 1;
  }

  bool calcf(double& f) {
    if ((iv_[NFCALL] & 15) == 0) control_.check();
    return obj_.value(&x_[1], iv_[NFCALL], f);
  }
  bool calcg() { return obj_.gradient(&x_[1], iv_[NFGCAL], &g_[1]); }

  double dot(const std::vector<double>& a, const std::vector<double>& b) const {
    double s = 0;
    for (int i = 1; i <= n_; ++i) s += a[i] * b[i];
    return s;
  }
  double norm2(const std::vector<double>& a) const { return std::sqrt(dot(a, a)); }
  double reldst() const {
    double emax = 0, xmax = 0;
    for (int i = 1; i <= n_; ++i) {
      double t = std::fabs(d_[i] * (x_[i] - x0_[i]));
      if (emax < t) emax = t;
      t = d_[i] * (std::fabs(x_[i]) + std::fabs(x0_[i]));
      if (xmax < t) xmax = t;
    }
    return xmax > 0 ? emax / xmax : 0.0;
  }
  // L is lower triangular, stored compactly by rows: L(i,j) = l_[i(i-1)/2 + j].
  double L(int i, int j) const { return l_[i * (i - 1) / 2 + j]; }
  // x = L^-1 y
  void livmul(std::vector<double>& x, const std::vector<double>& y) const {
    for (int i = 1; i <= n_; ++i) {
      double t = y[i];
      for (int j = 1; j < i; ++j) t -= L(i, j) * x[j];
      x[i] = t / L(i, i);
    }
  }
  // x = L^-T y (x may alias y)
  void litvmu(std::vector<double>& x, const std::vector<double>& y) const {
    std::vector<double> tmp(y);
    for (int i = n_; i >= 1; --i) {
      double t = tmp[i];
      for (int j = i + 1; j <= n_; ++j) t -= L(j, i) * x[j];
      x[i] = t / L(i, i);
    }
  }
  // x = L^T y
  void ltvmul(std::vector<double>& x, const std::vector<double>& y) const {
    std::vector<double> tmp(y);
    for (int i = 1; i <= n_; ++i) {
      double t = 0;
      for (int j = i; j <= n_; ++j) t += L(j, i) * tmp[j];
      x[i] = t;
    }
  }
  // x = L y
  void lvmul(std::vector<double>& x, const std::vector<double>& y) const {
    std::vector<double> tmp(y);
    for (int i = 1; i <= n_; ++i) {
      double t = 0;
      for (int j = 1; j <= i; ++j) t += L(i, j) * tmp[j];
      x[i] = t;
    }
  }

  void dbdog() {
    const int n = n_;
    double nwtnrm = v_[DST0];
    double rlambd = 1.0;
    if (nwtnrm > 0) rlambd = v_[RADIUS] / nwtnrm;
    double gnorm = v_[DGNORM];
    double ghinvg = 2.0 * v_[NREDUC];
    v_[GRDFAC] = 0;
    v_[NWTFAC] = 0;
    if (rlambd >= 1.0) {
      v_[STPPAR] = 0;
      v_[DSTNRM] = nwtnrm;
      v_[GTSTEP] = -ghinvg;
      v_[PREDUC] = v_[NREDUC];
      v_[NWTFAC] = -1;
      for (int i = 1; i <= n; ++i) step_[i] = -nwtstp_[i];
      return;
    }
    v_[DSTNRM] = v_[RADIUS];
    double cfact = (gnorm / v_[GTHG]) * (gnorm / v_[GTHG]);
    double cnorm = gnorm * cfact;
    double relax = 1.0 - v_[BIAS] * (1.0 - gnorm * cnorm / ghinvg);
    if (rlambd >= relax) {
      v_[STPPAR] = 1.0 - (rlambd - relax) / (1.0 - relax);
      double t = -rlambd;
      v_[GTSTEP] = t * ghinvg;
      v_[PREDUC] = rlambd * (1.0 - 0.5 * rlambd) * ghinvg;
      v_[NWTFAC] = t;
      for (int i = 1; i <= n; ++i) step_[i] = t * nwtstp_[i];
      return;
    }
    if (cnorm >= v_[RADIUS]) {
      double t = -v_[RADIUS] / gnorm;
      v_[GRDFAC] = t;
      v_[STPPAR] = 1.0 + cnorm / v_[RADIUS];
      v_[GTSTEP] = -v_[RADIUS] * gnorm;
      double q = v_[GTHG] / gnorm;
      v_[PREDUC] = v_[RADIUS] * (gnorm - 0.5 * v_[RADIUS] * q * q);
      for (int i = 1; i <= n; ++i) step_[i] = t * dg_[i];
      return;
    }
    double ctrnwt = cfact * relax * ghinvg / gnorm;
    double t1 = ctrnwt - gnorm * cfact * cfact;
    double t2 = v_[RADIUS] * (v_[RADIUS] / gnorm) - gnorm * cfact * cfact;
    double t = relax * nwtnrm;
    double femnsq = (t / gnorm) * t - ctrnwt - t1;
    t = t2 / (t1 + std::sqrt(t1 * t1 + femnsq * t2));
    t1 = (t - 1.0) * cfact;
    v_[GRDFAC] = t1;
    t2 = -t * relax;
    v_[NWTFAC] = t2;
    v_[STPPAR] = 2.0 - t;
    v_[GTSTEP] = t1 * gnorm * gnorm + t2 * ghinvg;
    double gt = v_[GTHG] * t1;
    v_[PREDUC] = -t1 * gnorm * ((t2 + 1.0) * gnorm) - t2 * (1.0 + 0.5 * t2) * ghinvg - 0.5 * gt * gt;
    for (int i = 1; i <= n; ++i) step_[i] = t1 * dg_[i] + t2 * nwtstp_[i];
  }

  // w and z for the BFGS update of L (pda_wzbfgs); y = change in gradient.
  void wzbfgs(const std::vector<double>& s, std::vector<double>& w, const std::vector<double>& y,
              std::vector<double>& z) const {
    const double eps = 0.1;
    ltvmul(w, s);
    double shs = dot(w, w);
    double ys = dot(y, s);
    double cy, cs;
    if (ys >= eps * shs) {
      cy = 1.0 / (std::sqrt(ys) * std::sqrt(shs));
      cs = 1.0 / shs;
    } else {
      double theta = (1.0 - eps) * shs / (shs - ys);
      double epsrt = std::sqrt(eps);
      cy = theta / (shs * epsrt);
      cs = (1.0 + (theta - 1.0) / epsrt) / shs;
    }
    livmul(z, y);
    for (int i = 1; i <= n_; ++i) z[i] = cy * z[i] - cs * w[i];
  }

  // L <- Cholesky factor of L (I + z w^T)(I + w z^T) L^T (pda_lupdat, in place).
  void lupdat(std::vector<double>& w, std::vector<double>& z) {
    const int n = n_;
    std::vector<double> beta(n + 1), gamma(n + 1), lambda(n + 1);
    double nu = 1.0, eta = 0.0;
    if (n > 1) {
      int nm1 = n - 1;
      double s = 0;
      for (int i = 1; i <= nm1; ++i) {
        int j = n - i;
        s += w[j + 1] * w[j + 1];
        lambda[j] = s;
      }
      for (int j = 1; j <= nm1; ++j) {
        double wj = w[j];
        double a = nu * z[j] - eta * wj;
        double theta = 1.0 + a * wj;
        s = a * lambda[j];
        double lj = std::sqrt(theta * theta + a * s);
        if (theta > 0) lj = -lj;
        lambda[j] = lj;
        double b = theta * wj + s;
        gamma[j] = b * nu / lj;
        beta[j] = (a - b * eta) / lj;
        nu = -nu / lj;
        eta = -(eta + (a * a) / (theta - lj)) / lj;
      }
    }
    lambda[n] = 1.0 + (nu * z[n] - eta * w[n]) * w[n];
    int np1 = n + 1;
    int jj = n * (n + 1) / 2;
    for (int k = 1; k <= n; ++k) {
      int j = np1 - k;
      double lj = lambda[j];
      double ljj = l_[jj];
      l_[jj] = lj * ljj;
      double wj = w[j];
      w[j] = ljj * wj;
      double zj = z[j];
      z[j] = ljj * zj;
      if (k != 1) {
        double bj = beta[j], gj = gamma[j];
        int ij = jj + j;
        for (int i = j + 1; i <= n; ++i) {
          double lij = l_[ij];
          l_[ij] = lj * lij + bj * w[i] + gj * z[i];
          w[i] += lij * wj;
          z[i] += lij * zj;
          ij += i;
        }
      }
      jj -= j;
    }
  }

  void assst() {
    int nfc = iv_[NFCALL];
    iv_[SWITCH] = 0;
    iv_[RESTOR] = 0;
    double rfac1 = 1.0;
    bool goodx = true;
    int i = iv_[IRC];
    double emax = 0, emaxs = 0, gts, xmax;
    switch (i) {
      case 1:
        goto L20;
      case 2:
        goto L30;
      case 3:
      case 4:
        goto L10;
      case 5:
        goto L40;
      case 6:
        goto L280;
      case 7:
      case 8:
      case 9:
      case 10:
      case 11:
        goto L220;
      case 12:
        goto L170;
      default:
        iv_[IRC] = 13;
        return;
    }
  L10:
    iv_[STAGE] = 1;
    iv_[RADINC] = 0;
    v_[FLSTGD] = v_[F0];
    if (iv_[TOOBIG] == 0) goto L110;
    iv_[STAGE] = -1;
    iv_[XIRC] = i;
    goto L60;
  L20:
    if (iv_[MODEL] != iv_[MLSTGD]) goto L30;
    iv_[STAGE] = iv_[STGLIM];
    iv_[RADINC] = -1;
    goto L110;
  L30:
    iv_[STAGE] += 1;
  L40:
    if (iv_[STAGE] > 0) goto L50;
    if (iv_[TOOBIG] != 0) goto L60;
    iv_[STAGE] = -iv_[STAGE];
    i = iv_[XIRC];
    switch (i) {
      case 1:
        goto L20;
      case 2:
        goto L30;
      case 3:
      case 4:
        goto L110;
      case 5:
        goto L70;
      default:
        break;
    }
  L50:
    if (iv_[TOOBIG] == 0) goto L70;
    if (iv_[RADINC] > 0) goto L80;
    iv_[STAGE] = -iv_[STAGE];
    iv_[XIRC] = iv_[IRC];
  L60:
    v_[RADFAC] = v_[DECFAC];
    iv_[RADINC] -= 1;
    iv_[IRC] = 5;
    iv_[RESTOR] = 1;
    return;
  L70:
    if (v_[F] < v_[FLSTGD]) goto L110;
    if (iv_[MODEL] == iv_[MLSTGD]) goto L80;
    iv_[MODEL] = iv_[MLSTGD];
    iv_[SWITCH] = 1;
  L80:
    if (v_[FLSTGD] >= v_[F0]) goto L110;
    iv_[RESTOR] = 1;
    v_[F] = v_[FLSTGD];
    v_[PREDUC] = v_[PLSTGD];
    v_[GTSTEP] = v_[GTSLST];
    if (iv_[SWITCH] == 0) rfac1 = v_[DSTNRM] / v_[DSTSAV];
    v_[DSTNRM] = v_[DSTSAV];
    nfc = iv_[NFGCAL];
    goodx = false;
  L110:
    v_[FDIF] = v_[F0] - v_[F];
    if (v_[FDIF] > v_[TUNER2] * v_[PREDUC]) goto L140;
    if (iv_[RADINC] > 0) goto L140;
    if (v_[F] < v_[F0]) goto L120;
    iv_[MLSTGD] = iv_[MODEL];
    v_[FLSTGD] = v_[F];
    v_[F] = v_[F0];
    iv_[RESTOR] = 1;
    goto L130;
  L120:
    iv_[NFGCAL] = nfc;
  L130:
    iv_[IRC] = 1;
    if (iv_[STAGE] < iv_[STGLIM]) goto L160;
    iv_[IRC] = 5;
    iv_[RADINC] -= 1;
    goto L160;
  L140:
    iv_[NFGCAL] = nfc;
    rfac1 = 1.0;
    v_[DSTSAV] = v_[DSTNRM];
    if (v_[FDIF] > v_[PREDUC] * v_[TUNER1]) goto L190;
    if (iv_[STAGE] >= iv_[STGLIM]) goto L150;
    iv_[IRC] = 2;
    goto L160;
  L150:
    iv_[IRC] = 4;
  L160:
    iv_[XIRC] = iv_[IRC];
    emax = v_[GTSTEP] + v_[FDIF];
    v_[RADFAC] = 0.5 * rfac1;
    if (emax < v_[GTSTEP]) v_[RADFAC] = rfac1 * std::max(v_[RDFCMN], 0.5 * v_[GTSTEP] / emax);
  L170:
    if (v_[RELDX] <= v_[XFTOL]) goto L180;
    iv_[IRC] = iv_[XIRC];
    if (v_[F] < v_[F0]) goto L200;
    goto L230;
  L180:
    iv_[IRC] = 12;
    goto L240;
  L190:
    if (v_[FDIF] < (-v_[TUNER3] * v_[GTSTEP])) goto L210;
    if (iv_[RADINC] < 0) goto L210;
    if (iv_[RESTOR] == 1) goto L210;
    v_[RADFAC] = v_[RDFCMX];
    gts = v_[GTSTEP];
    if (v_[FDIF] < (0.5 / v_[RADFAC] - 1.0) * gts) v_[RADFAC] = std::max(v_[INCFAC], 0.5 * gts / (gts + v_[FDIF]));
    iv_[IRC] = 4;
    if (v_[STPPAR] == 0) goto L230;
    if (v_[DST0] >= 0 && (v_[DST0] < 2 * v_[DSTNRM] || v_[NREDUC] < 1.2 * v_[FDIF])) goto L230;
    iv_[IRC] = 5;
    iv_[RADINC] += 1;
  L200:
    v_[FLSTGD] = v_[F];
    iv_[MLSTGD] = iv_[MODEL];
    if (iv_[RESTOR] != 1) iv_[RESTOR] = 2;
    v_[DSTSAV] = v_[DSTNRM];
    iv_[NFGCAL] = nfc;
    v_[PLSTGD] = v_[PREDUC];
    v_[GTSLST] = v_[GTSTEP];
    goto L230;
  L210:
    v_[RADFAC] = 1.0;
    iv_[IRC] = 3;
    goto L230;
  L220:
    iv_[IRC] = iv_[XIRC];
    if (v_[DSTSAV] >= 0) goto L240;
    iv_[IRC] = 12;
    goto L240;
  L230:
    iv_[XIRC] = iv_[IRC];
  L240:
    if (iv_[RESTOR] == 1 && v_[FLSTGD] < v_[F0]) iv_[RESTOR] = 3;
    if (std::fabs(v_[F]) < v_[AFCTOL]) iv_[IRC] = 10;
    if (0.5 * v_[FDIF] > v_[PREDUC]) return;
    emax = v_[RFCTOL] * std::fabs(v_[F0]);
    emaxs = v_[SCTOL] * std::fabs(v_[F0]);
    if (v_[DSTNRM] > v_[LMAXS] && v_[PREDUC] <= emaxs) iv_[IRC] = 11;
    if (v_[DST0] < 0) goto L250;
    i = 0;
    if ((v_[NREDUC] > 0 && v_[NREDUC] <= emax) || (v_[NREDUC] == 0 && v_[PREDUC] == 0)) i = 2;
    if (v_[STPPAR] == 0 && v_[RELDX] <= v_[XCTOL] && goodx) i += 1;
    if (i > 0) iv_[IRC] = i + 6;
  L250:
    if (iv_[IRC] > 5 && iv_[IRC] != 12) return;
    if (v_[DSTNRM] > v_[LMAXS]) goto L260;
    if (v_[PREDUC] >= emaxs) return;
    if (v_[DST0] <= 0) goto L270;
    if (0.5 * v_[DST0] <= v_[LMAXS]) return;
    goto L270;
  L260:
    if (0.5 * v_[DSTNRM] <= v_[LMAXS]) return;
    xmax = v_[LMAXS] / v_[DSTNRM];
    if (xmax * (2.0 - xmax) * v_[PREDUC] >= emaxs) return;
  L270:
    if (v_[NREDUC] < 0) goto L290;
    v_[GTSLST] = v_[GTSTEP];
    v_[DSTSAV] = v_[DSTNRM];
    if (iv_[IRC] == 12) v_[DSTSAV] = -v_[DSTSAV];
    v_[PLSTGD] = v_[PREDUC];
    i = iv_[RESTOR];
    iv_[RESTOR] = 2;
    if (i == 3) iv_[RESTOR] = 0;
    iv_[IRC] = 6;
    return;
  L280:
    v_[GTSTEP] = v_[GTSLST];
    v_[DSTNRM] = std::fabs(v_[DSTSAV]);
    iv_[IRC] = iv_[XIRC];
    if (v_[DSTSAV] <= 0) iv_[IRC] = 12;
    v_[NREDUC] = -v_[PREDUC];
    v_[PREDUC] = v_[PLSTGD];
    iv_[RESTOR] = 3;
  L290:
    if (-v_[NREDUC] <= v_[RFCTOL] * std::fabs(v_[F0])) iv_[IRC] = 11;
  }

  int sumit() {
    const int n = n_;
    int k;
    double fx = 0;
    std::vector<double> temp;  // hessian * step, for the gradient tests
    // Initialisation.
    iv_[NITER] = 0;
    iv_[NFCALL] = 1;
    iv_[NGCALL] = 1;
    iv_[NFGCAL] = 1;
    iv_[MODE] = -1;
    iv_[MODEL] = 1;
    iv_[STGLIM] = 1;
    iv_[TOOBIG] = 0;
    iv_[CNVCOD] = 0;
    iv_[RADINC] = 0;
    v_[RAD0] = 0;
    if (iv_[INITH] == 1) {
      std::fill(l_.begin(), l_.end(), 0.0);
      int kk = 0;
      for (int i = 1; i <= n; ++i) {
        kk += i;
        double t = d_[i];
        if (t <= 0) t = 1.0;
        l_[kk] = t;
      }
    }
    // Initial function value.
    if (!calcf(fx)) iv_[TOOBIG] = 1;
    v_[F] = fx;
    if (iv_[TOOBIG] != 0) return 63;
    goto L_GRAD;

  L_GRAD:  // iv(1) = 2 return: the caller computes g at iv(nfgcal)
    if (!calcg()) return 65;
    // label 70
    for (int i = 1; i <= n; ++i) dg_[i] = g_[i] / d_[i];
    v_[DGNORM] = norm2(dg_);
    if (iv_[CNVCOD] != 0) goto L290;
    if (iv_[MODE] == 0) goto L250;
    v_[RADIUS] = v_[LMAX0];
    iv_[MODE] = 0;

  L80:
    k = iv_[NITER];
    if (k >= iv_[MXITER]) return 10;
    iv_[NITER] = k + 1;
    if (k > 0) v_[RADIUS] = v_[RADFAC] * v_[DSTNRM];
    v_[F0] = v_[F];
    iv_[IRC] = 4;
    iv_[KAGQT] = -1;
    x0_ = x_;
    g0_ = g_;
  L110:
    if (iv_[NFCALL] < iv_[MXFCAL]) goto L150;
    if (v_[F] >= v_[F0]) return 9;
    iv_[CNVCOD] = 9;
    goto L240;
  L150:
    if (iv_[KAGQT] < 0) {
      livmul(nwtstp_, g_);
      v_[NREDUC] = 0.5 * dot(nwtstp_, nwtstp_);
      litvmu(nwtstp_, nwtstp_);
      for (int i = 1; i <= n; ++i) step_[i] = nwtstp_[i] * d_[i];
      v_[DST0] = norm2(step_);
      for (int i = 1; i <= n; ++i) dg_[i] = dg_[i] / d_[i];
      ltvmul(step_, dg_);
      v_[GTHG] = norm2(step_);
      iv_[KAGQT] = 0;
    }
    dbdog();
    if (iv_[IRC] == 6) goto L180;
    if (v_[DSTNRM] <= 0) goto L180;
    if (iv_[IRC] != 5) goto L170;
    if (v_[RADFAC] <= 1.0) goto L170;
    if (v_[PREDUC] <= 1.2 * v_[FDIF]) goto L180;
  L170:
    for (int i = 1; i <= n; ++i) x_[i] = x0_[i] + step_[i];
    iv_[NFCALL] += 1;
    iv_[TOOBIG] = 0;
    if (!calcf(fx)) iv_[TOOBIG] = 1;
    v_[F] = fx;
  L180:
    v_[RELDX] = reldst();
    assst();
    if (iv_[RESTOR] == 1) x_ = x0_;
    if (iv_[RESTOR] == 2) stlstg_ = step_;
    if (iv_[RESTOR] == 3) {
      step_ = stlstg_;
      for (int i = 1; i <= n; ++i) x_[i] = x0_[i] + step_[i];
      v_[RELDX] = reldst();
    }
    k = iv_[IRC];
    switch (k) {
      case 1:
      case 5:
        goto L200;
      case 2:
      case 3:
      case 4:
        goto L230;
      case 6:
        goto L210;
      case 7:
      case 8:
      case 9:
      case 10:
      case 11:
      case 12:
        goto L220;
      case 13:
        return 64;
      case 14:
        goto L250;
      default:
        return 64;
    }
  L200:
    v_[RADIUS] = v_[RADFAC] * v_[DSTNRM];
    goto L110;
  L210:
    v_[RADIUS] = v_[LMAXS];
    goto L150;
  L220:
    iv_[CNVCOD] = k - 4;
    if (v_[F] >= v_[F0]) goto L290;
    if (iv_[XIRC] == 14) goto L290;
    iv_[XIRC] = 14;
  L230:
    if (iv_[IRC] == 3) {
      temp.assign(n + 1, 0.0);
      ltvmul(temp, step_);
      lvmul(temp, temp);
      stlstg_ = temp;
    }
  L240:
    iv_[NGCALL] += 1;
    goto L_GRAD;
  L250:
    for (int i = 1; i <= n; ++i) g0_[i] = g_[i] - g0_[i];
    if (iv_[IRC] == 3) {
      for (int i = 1; i <= n; ++i) stlstg_[i] = (stlstg_[i] - g0_[i]) / d_[i];
      if (norm2(stlstg_) <= v_[DGNORM] * v_[TUNER4]) goto L260;
      if (dot(g_, step_) >= v_[GTSTEP] * v_[TUNER5]) goto L270;
    L260:
      v_[RADFAC] = v_[INCFAC];
    }
  L270:
    wzbfgs(step_, nwtstp_, g0_, x0_);
    lupdat(nwtstp_, x0_);
    goto L80;
  L290:
    k = iv_[CNVCOD];
    iv_[CNVCOD] = 0;
    return k;
  }

  Objective& obj_;
  long maxnf_;
  double rfctol_;
  const Control& control_;
  int n_ = 0;
  int iv_[60];
  double v_[60];
  std::vector<double> x_, d_, g_, x0_, step_, stlstg_, g0_, nwtstp_, dg_, l_;
};

// ---------------------------------------------------------------------------

// Width estimate along one array axis through the peak (cupidGCProfWidth):
// the distance to the first significant minimum on the side that goes
// lower, refined from the profile's middle portion. Adds the baseline
// estimate to `off`. CUPID's quirk of reading the profiles of axes 1 and 2
// one pixel off the peak along axis 0 is kept: it sets the initial guess
// (width, background, whether the background is fixed) and therefore the
// whole fit.
double profileWidth(const std::vector<double>& a, const long dims[3], std::size_t imax, const long axMax[3], int ax,
                    double rms, double fwhm, double& off) {
  long step = ax == 0 ? 1 : (ax == 1 ? dims[0] : dims[0] * dims[1]);
  double vmax = a[imax];
  long iMax = static_cast<long>(imax);
  const long nel = dims[0] * dims[1] * dims[2];
  auto at = [&](long i) { return i >= 0 && i < nel ? a[static_cast<std::size_t>(i)] : NAN; };

  auto scan = [&](int dir, double& vlow, long& jlow) {
    vlow = vmax;
    jlow = 0;
    double sum = 0, prev = NAN;
    long nsum = 0;
    // CUPID starts both walks at the pixel beside the peak on axis 0
    // (imax +/- 1) whatever the axis, then steps along `ax`: on axes other
    // than 0 the profile is read one column off the peak. Reproduced, with
    // pixels outside the array treated as bad.
    long j = axMax[ax] + dir, i = iMax + dir;
    while (dir > 0 ? j <= dims[ax] : j > 0) {
      double v = at(i);
      if (!std::isnan(v)) {
        if (v < vlow && !std::isnan(prev) && prev - v < 1.5 * rms) {
          vlow = v;
          jlow = j;
          sum = 0;
          nsum = 0;
        } else {
          sum += v;
          ++nsum;
          if (sum / nsum - vlow >= 3 * rms / std::sqrt(static_cast<double>(nsum)) && nsum >= fwhm) break;
        }
      }
      prev = v;
      j += dir;
      i += dir * step;
    }
    vlow += rms;
  };
  double v1low, v2low;
  long j1low, j2low;
  scan(+1, v2low, j2low);
  scan(-1, v1low, j1low);
  off += (v1low < v2low ? v1low : v2low) + rms;

  double ret, ssum = 0;
  long nsum = 0;
  if (v2low < v1low) {
    ret = static_cast<double>((j2low - axMax[ax]) / 2);
    double hgt = vmax - v2low;
    long i = iMax + 1;
    for (long j = axMax[ax] + 1; j <= j2low; ++j, i += step) {
      double v = at(i);
      if (std::isnan(v)) continue;
      double vnorm = (v - v2low) / hgt;
      if (vnorm > 0.25 && vnorm < 0.75) {
        ssum += (axMax[ax] - j) / std::log(vnorm);
        ++nsum;
      }
    }
  } else {
    ret = static_cast<double>((axMax[ax] - j1low) / 2);
    double hgt = vmax - v1low;
    long i = iMax - 1;
    for (long j = axMax[ax] - 1; j >= j1low; --j, i -= step) {
      double v = at(i);
      if (std::isnan(v)) continue;
      double vnorm = (v - v1low) / hgt;
      if (vnorm > 0.25 && vnorm < 0.75) {
        ssum += (j - axMax[ax]) / std::log(vnorm);
        ++nsum;
      }
    }
  }
  if (nsum > 0) ret = 1.665 * (ssum / nsum);
  return ret;
}

// Initial guess and fitting section around the peak (cupidGCSetInit).
void setInit(const std::vector<double>& res, int ndim, const long dims[3], std::size_t imax, double rms,
             const Settings& s, Objective& obj, Params& par) {
  par.fill(0.0);
  obj.ymax = res[imax];
  long axMax[3];
  axMax[0] = static_cast<long>(imax % dims[0]) + 1;
  axMax[1] = static_cast<long>((imax / dims[0]) % dims[1]) + 1;
  axMax[2] = static_cast<long>(imax / (dims[0] * dims[1])) + 1;

  double off = 0;
  double fwhmObs[3];
  double beamfwhm = ndim == 1 ? s.velRes : s.beamFwhm;
  fwhmObs[0] = profileWidth(res, dims, imax, axMax, s.dax[0], rms, beamfwhm, off);
  obj.xmax[0] = axMax[s.dax[0]];
  if (ndim > 1) {
    fwhmObs[1] = profileWidth(res, dims, imax, axMax, s.dax[1], rms, beamfwhm, off);
    obj.xmax[1] = axMax[s.dax[1]];
    fwhmObs[0] = 0.5 * (fwhmObs[0] + fwhmObs[1]);
    fwhmObs[1] = fwhmObs[0];
  }
  double fbeam = ndim == 1 ? s.veloStart : s.fwhmStart;
  double fbeamUsed;
  if (!std::isnan(fbeam))
    fbeamUsed = fbeam;
  else if (beamfwhm > 0)
    fbeamUsed = fwhmObs[0] / beamfwhm;
  else
    fbeamUsed = fwhmObs[0];
  if (fbeamUsed < 1.2) fbeamUsed = 1.2;
  fwhmObs[0] = fbeamUsed * beamfwhm;
  par[3] = beamfwhm > 0 ? std::sqrt(fbeamUsed * fbeamUsed - 1.0) * beamfwhm : fwhmObs[0];
  if (ndim > 1) {
    fwhmObs[1] = fbeamUsed * beamfwhm;
    par[5] = par[3];
    par[6] = 0.0;
  }
  if (ndim > 2) {
    fwhmObs[2] = profileWidth(res, dims, imax, axMax, s.dax[2], rms, s.velRes, off);
    obj.xmax[2] = axMax[s.dax[2]];
    double fvel;
    if (!std::isnan(s.veloStart))
      fvel = s.veloStart;
    else if (s.velRes > 0)
      fvel = fwhmObs[2] / s.velRes;
    else
      fvel = fwhmObs[2];
    if (fvel < 1.1) fvel = 1.1;
    fwhmObs[2] = fvel * s.velRes;
    par[8] = s.velRes > 0 ? std::sqrt(fvel * fvel - 1.0) * s.velRes : fwhmObs[2];
    par[9] = par[10] = 0.0;
  }
  // Offsets from the peak pixel are the fitted position parameters.
  par[2] = par[4] = par[7] = 0.0;

  // Noise lifts the peak pixel above the clump's peak by about the RMS.
  par[1] = off / ndim;
  par[0] = obj.ymax - par[1] - rms;
  // An apparently negative background is left by earlier poor fits: fix it at zero.
  if (par[1] < -std::fabs(par[0] * 0.05)) {
    par[0] += par[1];
    par[1] = 0.0;
    obj.fixback = true;
  } else {
    obj.fixback = false;
  }

  // Section to fit: the peak +/- beta times the observed FWHM, in array axes.
  long lb[3] = {1, 1, 1}, ub[3] = {1, 1, 1};
  std::size_t nel = 1;
  for (int i = 0; i < ndim; ++i) {
    double w = s.beta * fwhmObs[s.fax[i]];
    double lo = axMax[i] - w, hi = axMax[i] + w;
    // C's double-to-int conversion truncates towards zero; clamp first so
    // that absurd widths cannot overflow.
    lo = std::max(lo, -1e15);
    hi = std::min(hi, 1e15);
    lb[i] = static_cast<long>(lo);
    ub[i] = static_cast<long>(hi);
    if (lb[i] < 1) lb[i] = 1;
    if (ub[i] > dims[i]) ub[i] = dims[i];
    nel *= static_cast<std::size_t>(ub[i] - lb[i] + 1);
  }
  for (int i = 0; i < ndim; ++i) {
    obj.lbnd[i] = lb[s.dax[i]];
    obj.ubnd[i] = ub[s.dax[i]];
  }
  obj.resize(nel);

  double sw = 0, sww = 0;
  long nw = 0;
  long xx[3];
  for (int k = 0; k < ndim; ++k) xx[k] = obj.lbnd[k];
  for (std::size_t i = 0; i < nel; ++i) {
    long yy[3] = {1, 1, 1};
    for (int k = 0; k < ndim; ++k) yy[k] = xx[s.fax[k]];
    std::size_t j = static_cast<std::size_t>((yy[0] - 1) + dims[0] * ((yy[1] - 1) + dims[1] * (yy[2] - 1)));
    for (int k = 0; k < ndim; ++k) obj.coord[k][i] = static_cast<float>(xx[k]);
    double v = res[j];
    if (std::isnan(v)) {
      obj.data[i] = 0.0;
      obj.weight[i] = 0.0;
    } else {
      obj.data[i] = v / rms;
      double d2 = 0;
      for (int k = 0; k < ndim; ++k) {
        double d = (xx[k] - obj.xmax[k]) / (fwhmObs[k] * s.wwidth);
        d2 += d * d;
      }
      double w = std::exp(-d2 * kFourLn2);
      obj.weight[i] = w;
      sw += w;
      sww += w * w;
      ++nw;
    }
    int k = 0;
    ++xx[0];
    while (xx[k] > obj.ubnd[k]) {
      xx[k] = obj.lbnd[k];
      if (++k == ndim) break;
      ++xx[k];
    }
  }

  // Normalise the weights by their 4-sigma-clipped mean + 4 sigma.
  double wmax = 0;
  if (nw > 1) {
    double wmean = sw / nw;
    wmax = wmean + 4.0 * std::sqrt(std::max(0.0, sww / nw - wmean * wmean));
    long nwl = nw + 1;
    while (nw < nwl) {
      nwl = nw;
      sw = sww = 0;
      nw = 0;
      for (double w : obj.weight) {
        if (w > 0.0 && w < wmax) {
          sw += w;
          sww += w * w;
          ++nw;
        }
      }
      if (nw > 1) {
        wmean = sw / nw;
        wmax = wmean + 4.0 * std::sqrt(std::max(0.0, sww / nw - wmean * wmean));
      } else {
        wmax = 0.0;
        break;
      }
    }
  }
  if (wmax > 0.0) {
    for (double& w : obj.weight) {
      w /= wmax;
      if (w < s.wmin) w = 0.0;
    }
  }

  obj.collectActive();
  obj.ymax /= rms;
  par[1] /= rms;
  par[0] /= rms;
  obj.setFixedBackground(par[1]);

  // The fit's peak is the intrinsic one, before beam smoothing lowers it.
  double t = par[3] * par[3];
  double peakfactor = t / (s.beamSq + t);
  if (ndim > 1) {
    t = par[5] * par[5];
    peakfactor *= t / (s.beamSq + t);
    if (ndim > 2) {
      t = par[8] * par[8];
      peakfactor *= t / (s.velresSq + t);
    }
  }
  if (peakfactor > 0.0) par[0] /= std::sqrt(peakfactor);
}

// PDA_DEFLT's relative function-convergence tolerance, max(1e-10, eps^(2/3)).
const double kPdaRfctol = std::max(1e-10, std::cbrt(DBL_EPSILON) * std::cbrt(DBL_EPSILON));

// Fits the model from the initial guess (cupidGCFit). Returns false for a
// failed fit; positions in `par` become absolute GRID coordinates.
bool fitClump(Objective& obj, const Settings& s, Params& par, const Control& control) {
  int ndim = s.ndim;
  Sumsl minimiser(obj, s.maxnf, s.rfctol, control);
  double bg = par[1];
  std::vector<double> x(obj.freeCount());
  obj.compress(par, x.data());
  obj.resetCount();
  int code = minimiser.run(x);
  if (code == 8) {
    // False convergence: once more from there, with the initial background.
    Params p = obj.expand(x.data());
    if (!obj.fixback) p[1] = bg;
    obj.compress(p, x.data());
    // CUPID re-runs pdaDeflt before the retry and sets only MaxNF again, so
    // the retry converges to PDA's default relative tolerance, not RFCTol.
    Sumsl retry(obj, s.maxnf, kPdaRfctol, control);
    code = retry.run(x);
  }
  bool ok = code < 7;
  for (double v : x)
    if (!std::isfinite(v)) ok = false;
  par = obj.expand(x.data());
  if (obj.fixback) par[1] = bg;
  par[6] = std::fmod(par[6], 2 * kPi);
  if (par[6] > 0.0) {
    if (par[6] > kPi) par[6] -= 2 * kPi;
  } else if (par[6] < -kPi) {
    par[6] += 2 * kPi;
  }
  if (par[3] < 0.5) ok = false;
  if (ndim > 1 && par[5] < 0.5) ok = false;
  if (ndim > 2 && par[8] < 0.5) ok = false;
  par[2] += obj.xmax[0];
  if (ndim > 1) par[4] += obj.xmax[1];
  if (ndim > 2) par[7] += obj.xmax[2];
  return ok;
}

struct Update {
  double sum = 0;
  std::size_t area = 0;
  bool accepted = false;
  Clump clump;
};

// Subtracts the fitted Gaussian (without background) from the residuals
// over a box grown face by face until no model value on it exceeds ModelLim
// (cupidGCUpdateArrays), and builds the clump if it is usable.
Update updateArrays(std::vector<double>& res, const Array& a, const long dims[3], Params& par, double rms, double mlim,
                    std::size_t imax, double thresh, double maxbad, bool allowEdge, const Settings& s, long margin) {
  Update u;
  int ndim = s.ndim;
  double r0 = res[imax];
  double bg = par[1];
  par[1] = 0.0;
  const double zero[3] = {0, 0, 0};

  long lbox[3] = {1, 1, 1}, ubox[3] = {1, 1, 1};
  const int centreIndex[3] = {2, 4, 7};
  for (int k = 0; k < ndim; ++k) {
    double c = par[centreIndex[k]] + 0.5;
    c = std::max(-1e15, std::min(1e15, c));
    lbox[k] = ubox[k] = static_cast<long>(c);
  }
  --ubox[0];
  bool extend[3][2], frozen[3][2];
  for (int k = 0; k < ndim; ++k) extend[k][0] = extend[k][1] = true, frozen[k][0] = frozen[k][1] = false;
  // Internal-axis limits beyond which faces stop growing: CUPID has none,
  // but a model far wider than the array would otherwise take forever.
  long limLo[3], limHi[3];
  for (int k = 0; k < ndim; ++k) {
    limLo[k] = 1 - margin;
    limHi[k] = dims[s.dax[k]] + margin;
  }

  std::vector<std::size_t> pixels;
  std::vector<double> values;
  std::size_t bad = 0, areaOff = 0;
  bool peakOk = false, lowPeak = true;
  double threshData = thresh * rms;
  bool more = true;
  while (more) {
    more = false;
    for (int iax = 0; iax < ndim; ++iax) {
      for (int iedge = 0; iedge < 2; ++iedge) {
        if (frozen[iax][iedge]) continue;
        if (extend[iax][iedge]) {
          extend[iax][iedge] = false;
          if (iedge ? lbox[iax] > limLo[iax] : ubox[iax] < limHi[iax]) {
            more = true;
            if (iedge)
              --lbox[iax];
            else
              ++ubox[iax];
          } else {
            // Evaluating it again would count its pixels twice.
            frozen[iax][iedge] = true;
            continue;
          }
        }
        long lface[3], uface[3], xx[3];
        for (int k = 0; k < ndim; ++k) {
          lface[k] = lbox[k];
          uface[k] = ubox[k];
        }
        if (iedge)
          uface[iax] = lface[iax];
        else
          lface[iax] = uface[iax];
        if (lface[iax] > uface[iax]) continue;
        bool empty = false;
        for (int k = 0; k < ndim; ++k)
          if (lface[k] > uface[k]) empty = true;
        if (empty) continue;
        for (int k = 0; k < ndim; ++k) xx[k] = lface[k];
        for (;;) {
          long yy[3] = {1, 1, 1};
          for (int k = 0; k < ndim; ++k) yy[s.dax[k]] = xx[k];
          bool inside = true;
          for (int k = 0; k < ndim; ++k)
            if (yy[k] < 1 || yy[k] > dims[k]) inside = false;
          double xd[3] = {0, 0, 0};
          for (int k = 0; k < ndim; ++k) xd[k] = static_cast<double>(xx[k]);
          double m = Objective::model(ndim, s, par, zero, xd);
          if (m > mlim) {
            extend[iax][iedge] = true;
            m *= rms;
            u.sum += m;
            ++u.area;
            if (inside) {
              peakOk = true;
              std::size_t j = static_cast<std::size_t>((yy[0] - 1) + dims[0] * ((yy[1] - 1) + dims[1] * (yy[2] - 1)));
              if (!std::isnan(res[j])) {
                res[j] -= m;
                if (a.isFloat32) res[j] = static_cast<double>(static_cast<float>(res[j]));
              }
              if (std::isnan(a.data[j])) ++bad;
              pixels.push_back(j);
              values.push_back(m);
              if (m > threshData) lowPeak = false;
            } else {
              ++areaOff;
            }
          }
          int k = 0;
          ++xx[0];
          bool done = false;
          while (xx[k] > uface[k]) {
            xx[k] = lface[k];
            if (++k == ndim) {
              done = true;
              break;
            }
            ++xx[k];
          }
          if (done) break;
        }
      }
    }
  }
  if (!peakOk || res[imax] == r0) res[imax] = NAN;
  par[1] = bg;

  bool tooBad = static_cast<double>(bad) > maxbad * static_cast<double>(u.area);
  if ((areaOff == 0 || allowEdge) && !lowPeak && !tooBad) {
    u.accepted = true;
    // CUPID's cut-out drops the box's outer layer, where the model is below ModelLim.
    for (int k = 0; k < ndim; ++k)
      if (ubox[k] - lbox[k] > 1) {
        ++lbox[k];
        --ubox[k];
      }
    std::vector<std::pair<std::size_t, double>> kept;
    kept.reserve(pixels.size());
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      std::size_t j = pixels[i];
      long g[3] = {static_cast<long>(j % dims[0]) + 1, static_cast<long>((j / dims[0]) % dims[1]) + 1,
                   static_cast<long>(j / (dims[0] * dims[1])) + 1};
      bool in = true;
      for (int k = 0; k < ndim; ++k) {
        long gi = g[s.dax[k]];
        if (gi < lbox[k] || gi > ubox[k]) in = false;
      }
      if (in) kept.emplace_back(j, values[i]);
    }
    // Scan order, one entry per pixel (a box corner can be visited twice).
    std::stable_sort(kept.begin(), kept.end(), [](const auto& p, const auto& q) { return p.first < q.first; });
    for (std::size_t i = 0; i < kept.size(); ++i) {
      if (i > 0 && kept[i].first == kept[i - 1].first) {
        u.clump.values.back() = kept[i].second;
        continue;
      }
      u.clump.pixels.push_back(kept[i].first);
      u.clump.values.push_back(kept[i].second);
    }
    auto& ext = u.clump.extension;
    static const char* const kCen[3] = {"CENTRE1", "CENTRE2", "CENTRE3"};
    static const char* const kFwhm[3] = {"FWHM1", "FWHM2", "FWHM3"};
    static const char* const kVgrad[3] = {"VGRAD1", "VGRAD2", "VGRAD3"};
    ext["SUM"] = u.sum;
    ext["PEAK"] = rms * par[0];
    ext["OFFSET"] = rms * par[1];
    ext[kCen[s.dax[0]]] = par[2] - 0.5;
    ext[kFwhm[s.dax[0]]] = par[3];
    if (ndim > 1) {
      ext[kCen[s.dax[1]]] = par[4] - 0.5;
      ext[kFwhm[s.dax[1]]] = par[5];
      ext["ANGLE"] = par[6] * 180.0 / kPi;
      if (ndim > 2) {
        ext[kCen[s.dax[2]]] = par[7] - 0.5;
        ext[kFwhm[s.dax[2]]] = par[8];
        ext[kVgrad[s.dax[0]]] = par[9];
        ext[kVgrad[s.dax[1]]] = par[10];
      }
    }
  }
  return u;
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

AlgorithmOutput gaussClumps(const Array& a, double rms, const Beam& beam, Config& config, const Control& control) {
  AlgorithmOutput out;
  const int ndim = a.ndim;
  if (ndim < 1 || ndim > 3) throw Error("GaussClumps: the data must have 1, 2 or 3 axes");
  if (!(rms > 0) || !std::isfinite(rms)) throw Error("GaussClumps: RMS must be a positive number");
  long dims[3] = {1, 1, 1};
  std::size_t nel = 1;
  for (int k = 0; k < ndim; ++k) {
    dims[k] = static_cast<long>(a.dims[k]);
    if (dims[k] < 1) throw Error("GaussClumps: the data array is empty");
    nel *= a.dims[k];
  }
  if (a.data.size() != nel) throw Error("GaussClumps: the data array does not match its dimensions");

  Settings s;
  s.ndim = ndim;
  if (ndim == 3) {
    int velax = beam.velax >= 0 && beam.velax < 3 ? beam.velax : 2;
    if (velax == 0) {
      s.dax[0] = 1;
      s.dax[1] = 2;
      s.dax[2] = 0;
    } else if (velax == 1) {
      s.dax[0] = 0;
      s.dax[1] = 2;
      s.dax[2] = 1;
    }
    for (int k = 0; k < 3; ++k) s.fax[s.dax[k]] = k;
    s.beamFwhm = beam.fwhm[s.dax[0]];
    s.velRes = beam.fwhm[s.dax[2]];
  } else if (ndim == 2) {
    s.beamFwhm = beam.fwhm[0];
    s.velRes = 2.0;
  } else {
    // 1-D data are a spectrum: the flow passes VeloRes as the beam.
    s.beamFwhm = s.velRes = beam.fwhm[0];
  }
  if (!(s.beamFwhm >= 0) || !(s.velRes >= 0) || !std::isfinite(s.beamFwhm) || !std::isfinite(s.velRes))
    throw Error("GaussClumps: FwhmBeam and VeloRes must not be negative");
  s.beamSq = s.beamFwhm * s.beamFwhm;
  s.velresSq = s.velRes * s.velRes;

  // Parameters, in the order CUPID reads them.
  config.integer("ExtraCols", 0);  // output only: the flow decides on the columns
  long maxskip = config.integer("MaxSkip", 10);
  long maxclump = config.integer("MaxClumps", INT_MAX);
  long npad = config.integer("NPad", 10);
  double peakThresh = config.number("Thresh", 2.0);
  long areaThresh = config.integer("MinPix", 3);
  double mlim = config.number("ModelLim", 0.5);
  double maxbad = config.number("MaxBad", 0.05);
  double nsig = config.number("NSigma", 3.0);
  long npeak = config.integer("NPeak", 9);
  s.nwf = config.integer("NWF", 10);
  s.minwf = config.number("MinWF", 0.8);
  s.maxwf = config.number("MaxWF", 1.1);
  s.maxnf = config.integer("MaxNF", 100);
  if (config.has("VeloStart")) s.veloStart = config.number("VeloStart", 0);
  if (config.has("FwhmStart")) s.fwhmStart = config.number("FwhmStart", 0);
  s.sa = config.number("Sa", 1.0);
  s.sb = config.number("Sb", 0.1);
  s.s0p1 = config.number("S0", 1.0) + 1;
  s.sc4 = 4 * config.number("Sc", 1.0);
  s.wwidth = config.number("Wwidth", 2.0);
  s.wmin = config.number("Wmin", 0.05);
  s.rfctol = config.number("RFCTol", 1e-6);
  bool allowEdge = config.integer("AllowEdge", 0) != 0;

  auto bad = [](const std::string& name, const std::string& value, const std::string& why) {
    return Error("GaussClumps." + name + " = " + value + ": " + why);
  };
  if (maxskip < 0) throw bad("MaxSkip", std::to_string(maxskip), "must not be negative");
  if (maxclump < 1) throw bad("MaxClumps", std::to_string(maxclump), "must be at least 1");
  if (npad < 1) throw bad("NPad", std::to_string(npad), "must be at least 1");
  if (areaThresh < 0) throw bad("MinPix", std::to_string(areaThresh), "must not be negative");
  if (!(mlim > 0)) throw bad("ModelLim", fmt(mlim), "must be positive");
  if (!(maxbad >= 0)) throw bad("MaxBad", fmt(maxbad), "must not be negative");
  if (!(nsig > 0)) throw bad("NSigma", fmt(nsig), "must be positive");
  if (npeak < 0 || npeak > 1000000) throw bad("NPeak", std::to_string(npeak), "must be between 0 and 1000000");
  if (s.nwf < 0) throw bad("NWF", std::to_string(s.nwf), "must not be negative");
  if (!(s.minwf > 0)) throw bad("MinWF", fmt(s.minwf), "must be positive");
  if (!(s.maxwf >= s.minwf)) throw bad("MaxWF", fmt(s.maxwf), "must not be less than MinWF");
  if (s.maxnf < 1) throw bad("MaxNF", std::to_string(s.maxnf), "must be at least 1");
  if (!std::isnan(s.veloStart) && !(s.veloStart > 0)) throw bad("VeloStart", fmt(s.veloStart), "must be positive");
  if (!std::isnan(s.fwhmStart) && !(s.fwhmStart > 0)) throw bad("FwhmStart", fmt(s.fwhmStart), "must be positive");
  if (!(s.sa >= 0)) throw bad("Sa", fmt(s.sa), "must not be negative");
  if (!(s.sb >= 0)) throw bad("Sb", fmt(s.sb), "must not be negative");
  if (!(s.s0p1 >= 1)) throw bad("S0", fmt(s.s0p1 - 1), "must not be negative");
  if (!(s.sc4 >= 0)) throw bad("Sc", fmt(s.sc4 / 4), "must not be negative");
  if (!(s.wwidth > 0)) throw bad("Wwidth", fmt(s.wwidth), "must be positive");
  if (!(s.wmin < 1)) throw bad("Wmin", fmt(s.wmin), "must be less than 1");
  if (!(s.rfctol > 0 && s.rfctol < 1)) throw bad("RFCTol", fmt(s.rfctol), "must be between 0 and 1");
  if (s.wmin < 1.0e-8) s.wmin = 1.0e-8;
  s.beta = 0.5 * s.wwidth * std::sqrt(-std::log(s.wmin) / std::log(2.0));

  // How far outside the array a model's box may grow (see updateArrays).
  long margin = 1;
  {
    double budget = std::max(8.0 * static_cast<double>(nel), 1e6);
    long maxdim = std::max({dims[0], dims[1], dims[2]});
    margin = std::max(maxdim, 16L);
    auto volume = [&](long m) {
      double v = 1;
      for (int k = 0; k < ndim; ++k) v *= static_cast<double>(dims[k] + 2 * m);
      return v;
    };
    while (margin > 4 && volume(margin) > budget) margin /= 2;
  }

  std::vector<double> res(a.data.begin(), a.data.end());
  for (double& v : res)
    if (!std::isfinite(v)) v = NAN;

  Objective obj(s);
  std::vector<double> peaks(static_cast<std::size_t>(npeak), 0.0);
  std::size_t ipeak = 0;
  double sumPeak = 0, sumPeak2 = 0, meanPeak = 0, sigmaPeak = 0, newPeak = 0;
  long iclump = 0, nskip = 0, peaksBelow = 0, areaBelow = 0;
  double sumclumps = 0, sumdata = 0;
  bool haveSumdata = false;
  double lastReport = -1;
  control.report(0.0, "gaussclumps: fitting");

  for (bool iter = true; iter;) {
    control.check();
    // The brightest remaining residual (first in scan order on ties).
    std::size_t imax = 0;
    bool found = false;
    double maxval = 0, sum = 0;
    for (std::size_t i = 0; i < nel; ++i) {
      double v = res[i];
      if (std::isnan(v)) continue;
      sum += v;
      if (!found || v > maxval) {
        maxval = v;
        imax = i;
        found = true;
      }
    }
    if (!haveSumdata) {
      sumdata = sum;
      haveSumdata = true;
    }
    if (!found || nskip > maxskip) break;

    Params par;
    setInit(res, ndim, dims, imax, rms, s, obj, par);
    if (fitClump(obj, s, par, control)) {
      if ((npeak == 0 || iclump < npeak || std::fabs(par[0] - newPeak) < nsig * sigmaPeak) && par[0] > mlim) {
        if (npeak > 0) {
          newPeak = par[0];
          double oldPeak = peaks[ipeak];
          peaks[ipeak] = newPeak;
          if (++ipeak == peaks.size()) ipeak = 0;
          sumPeak += newPeak - oldPeak;
          sumPeak2 += newPeak * newPeak - oldPeak * oldPeak;
          if (sumPeak2 < 0.0) sumPeak2 = 0.0;
          meanPeak = sumPeak / npeak;
          sigmaPeak = std::sqrt(std::max(0.0, sumPeak2 / npeak - meanPeak * meanPeak));
        }
        ++iclump;
        nskip = 0;
        Update u = updateArrays(res, a, dims, par, rms, mlim, imax, peakThresh, maxbad, allowEdge, s, margin);
        sumclumps += u.sum;
        if (u.accepted) out.clumps.push_back(std::move(u.clump));
        peaksBelow = par[0] < peakThresh ? peaksBelow + 1 : 0;
        areaBelow = static_cast<long>(u.area) < areaThresh ? areaBelow + 1 : 0;
        if (iclump == maxclump || sumclumps >= sumdata || peaksBelow == npad || areaBelow == npad) iter = false;
      } else {
        res[imax] = NAN;
        newPeak = 0.5 * (newPeak + par[0]);
        ++nskip;
      }
    } else {
      ++nskip;
      res[imax] = NAN;
    }
    // Progress: the share of the data sum taken up by the fitted clumps.
    double fraction = sumdata > 0 ? std::min(0.99, std::max(0.0, sumclumps / sumdata)) : 0.0;
    if (fraction >= lastReport + 0.005) {
      control.report(fraction, "gaussclumps: fitting");
      lastReport = fraction;
    }
  }
  control.report(1.0, "gaussclumps: done");
  return out;
}

}  // namespace cupid
