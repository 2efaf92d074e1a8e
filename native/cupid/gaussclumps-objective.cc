// GaussClumps' modified chi² and its gradient (see gaussclumps-objective.h).
#include "gaussclumps-objective.h"

#include <cmath>
#include <cstddef>

namespace cupid {
namespace gaussclumps {

bool Objective::value(const double* x, long nf, double& f) {
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

bool Objective::gradient(const double* x, long nf, double* g) {
  if (nf != nf_) {
    nf_ = nf;
    lastOk_ = evaluate(x, lastF_);
  }
  computeGradient(x, g);
  return true;
}

bool Objective::evaluate(const double* x, double& f) {
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

void Objective::computeGradient(const double* x, double* g) {
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

double Objective::model(int nd, const Settings& s, const Params& p, const double* ref, const double* x) {
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

void Objective::geometry(const Params& p) {
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

// modelAt and modelDerivs run for every pixel of every evaluation: inline,
// as they were when defined in the class, so that the compiler may keep
// them in the loops over the section (it does for modelAt).
inline void Objective::modelAt(std::size_t i, const Params& p, double& expv, double& m) const {
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
inline void Objective::modelDerivs(std::size_t i, const Params& p, double* d) const {
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

}  // namespace gaussclumps
}  // namespace cupid
