// SUMSL's driver (PDA_SUMSL with PDA_DFAULT's defaults and PDA_SUMIT's
// iteration), SUMSL's calls of the function, and the interface of sumsl.h.
#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "sumsl-internal.h"

namespace sumsl {

Result minimise(Function& f, const std::vector<double>& start, const Settings& settings) {
  if (start.empty()) throw std::invalid_argument("sumsl::minimise: no variables");
  if (!settings.scale.empty()) {
    if (settings.scale.size() != start.size())
      throw std::invalid_argument("sumsl::minimise: " + std::to_string(settings.scale.size()) + " scale factors for " +
                                  std::to_string(start.size()) + " variables");
    for (double d : settings.scale)
      if (!(d > 0)) throw std::invalid_argument("sumsl::minimise: scale factors must be positive");
  }
  Minimiser minimiser(f, settings);
  Result result;
  result.x = start;
  result.stop = static_cast<Stop>(minimiser.run(result.x));
  result.f = minimiser.value();
  result.iterations = minimiser.iterations();
  result.valueEvaluations = minimiser.valueEvaluations();
  result.gradientEvaluations = minimiser.gradientEvaluations();
  return result;
}

const char* describe(Stop stop) {
  switch (stop) {
    case Stop::stepConverged:
      return "X-convergence";
    case Stop::functionConverged:
      return "relative function convergence";
    case Stop::stepAndFunctionConverged:
      return "X- and relative function convergence";
    case Stop::absoluteFunctionConverged:
      return "absolute function convergence";
    case Stop::singularConvergence:
      return "singular convergence";
    case Stop::falseConvergence:
      return "false convergence";
    case Stop::evaluationLimit:
      return "function evaluation limit";
    case Stop::iterationLimit:
      return "iteration limit";
    case Stop::noValueAtStart:
      return "f cannot be computed at the start point";
    case Stop::internalError:
      return "internal error";
    case Stop::noGradient:
      return "the gradient cannot be computed";
  }
  return "unknown stop reason";
}

int Minimiser::run(std::vector<double>& xv) {
  n_ = static_cast<int>(xv.size());
  const int n = n_;
  x_.assign(n + 1, 0.0);
  for (int i = 1; i <= n; ++i) x_[i] = xv[i - 1];
  d_.assign(n + 1, 1.0);
  if (!settings_.scale.empty())
    for (int i = 1; i <= n; ++i) d_[i] = settings_.scale[i - 1];
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

// PDA_DFAULT, then the caller's settings (whose defaults are DFAULT's).
void Minimiser::defaults() {
  std::fill(std::begin(iv_), std::end(iv_), 0);
  std::fill(std::begin(v_), std::end(v_), 0.0);
  v_[DECFAC] = 0.5;
  v_[INCFAC] = 2.0;
  v_[RDFCMN] = 0.1;
  v_[RDFCMX] = 4.0;
  v_[TUNER1] = 0.1;
  v_[TUNER2] = 1e-4;
  v_[TUNER3] = 0.75;
  v_[TUNER4] = 0.5;
  v_[TUNER5] = 0.75;
  v_[BIAS] = 0.8;
  v_[DINIT] = -1.0;
  iv_[INITH] = 1;
  iv_[MXFCAL] = static_cast<int>(std::min<long>(settings_.maxEvaluations, INT_MAX));
  iv_[MXITER] = static_cast<int>(std::min<long>(settings_.maxIterations, INT_MAX));
  v_[AFCTOL] = settings_.absoluteFunctionTolerance;
  v_[RFCTOL] = settings_.relativeFunctionTolerance;
  v_[SCTOL] = settings_.singularTolerance;
  v_[XCTOL] = settings_.stepTolerance;
  v_[XFTOL] = settings_.falseConvergenceTolerance;
  v_[LMAX0] = settings_.initialStepBound;
  v_[LMAXS] = settings_.singularStepBound;
  // Never set by SUMSL before its first use; SUMSL has one model.
  iv_[MLSTGD] = 1;
}

bool Minimiser::calcf(double& f) { return function_.value(&x_[1], iv_[NFCALL], f); }
bool Minimiser::calcg() { return function_.gradient(&x_[1], iv_[NFGCAL], &g_[1]); }

int Minimiser::sumit() {
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

}  // namespace sumsl
