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
// The minimiser is in sumsl*.cc.
#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cupid.h"
#include "sumsl.h"

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

// The chi² as SUMSL sees it. The minimiser knows nothing of cancellation,
// so a long fit is made cancellable here, every 16 evaluations.
class CancellableChiSquared : public sumsl::Function {
 public:
  CancellableChiSquared(Objective& obj, const Control& control) : obj_(obj), control_(control) {}
  bool value(const double* x, long evaluation, double& f) override {
    if ((evaluation & 15) == 0) control_.check();
    return obj_.value(x, evaluation, f);
  }
  bool gradient(const double* x, long evaluation, double* g) override { return obj_.gradient(x, evaluation, g); }

 private:
  Objective& obj_;
  const Control& control_;
};

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

// Fits the model from the initial guess (cupidGCFit). Returns false for a
// failed fit; positions in `par` become absolute GRID coordinates.
bool fitClump(Objective& obj, const Settings& s, Params& par, const Control& control) {
  int ndim = s.ndim;
  CancellableChiSquared chisq(obj, control);
  sumsl::Settings settings;
  settings.maxEvaluations = s.maxnf;
  settings.relativeFunctionTolerance = s.rfctol;
  double bg = par[1];
  std::vector<double> x(obj.freeCount());
  obj.compress(par, x.data());
  obj.resetCount();
  sumsl::Result fit = sumsl::minimise(chisq, x, settings);
  x = fit.x;
  if (fit.stop == sumsl::Stop::falseConvergence) {
    // False convergence: once more from there, with the initial background.
    Params p = obj.expand(x.data());
    if (!obj.fixback) p[1] = bg;
    obj.compress(p, x.data());
    // CUPID re-runs pdaDeflt before the retry and sets only MaxNF again, so
    // the retry converges to PDA's default relative tolerance, not RFCTol.
    sumsl::Settings retry;
    retry.maxEvaluations = s.maxnf;
    fit = sumsl::minimise(chisq, x, retry);
    x = fit.x;
  }
  bool ok = fit.converged();
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
