// PORT's SUMSL (PDA_SUMSL/SUMIT/ASSST/DBDOG/WZBFGS/LUPDAT, D. M. Gay),
// transcribed: unconstrained minimisation of a smooth function of n
// variables from its value and gradient, by BFGS updates of a Cholesky
// factor, double-dogleg steps in a trust region and SUMSL's step assessment
// and stopping rules. A transcription rather than any minimiser because
// CUPID's GaussClumps objective re-weights pixels during the first
// evaluations, so where a fit ends depends on the sequence of points tried,
// not only on the minimum: any other minimiser would take other paths.
//
// Nothing here knows what is being minimised. sumsl.cc holds the defaults
// and SUMIT's iteration, sumsl-steps.cc the products with the Cholesky
// factor, DBDOG, WZBFGS and LUPDAT, sumsl-assess.cc ASSST; their shared
// state, indexed as in the Fortran, is in sumsl-internal.h.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

namespace sumsl {

// The function to minimise, called as SUMSL calls CALCF and CALCG, with
// SUMSL's evaluation numbers: `value` gets 1 for the start point and one
// more at each call (iv(NFCALL)); `gradient` gets the number of the value
// call made at the same point (iv(NFGCAL)), which need not be the latest
// one, so a function may keep what it computed for a value and reuse it
// for the gradient at that point.
class Function {
 public:
  virtual ~Function() = default;
  // f(x). False means f cannot be computed at x (CALCF setting NF = 0):
  // SUMSL shrinks its trust region and tries a shorter step, or stops with
  // Stop::noValueAtStart at the start point.
  virtual bool value(const double* x, long evaluation, double& f) = 0;
  // The gradient at x into g[0..n-1]. False (CALCG setting NF = 0) stops
  // the minimisation with Stop::noGradient.
  virtual bool gradient(const double* x, long evaluation, double* g) = 0;
};

// PDA_DFAULT's relative function-convergence tolerance, max(1e-10, eps^(2/3)).
inline double defaultRelativeFunctionTolerance() {
  const double mepcrt = std::cbrt(DBL_EPSILON);
  return std::max(1e-10, mepcrt * mepcrt);
}

// SUMSL's settable values; the defaults are PDA_DFAULT's.
struct Settings {
  long maxEvaluations = 200;  // iv(MXFCAL): function values
  long maxIterations = 150;   // iv(MXITER)
  // v(RFCTOL): stop when the predicted relative reduction of f is below this.
  double relativeFunctionTolerance = defaultRelativeFunctionTolerance();
  double absoluteFunctionTolerance = 1e-20;  // v(AFCTOL): stop when |f| is below this
  // v(SCTOL): singular convergence (no step of length <= singularStepBound
  // reduces f by this relative amount).
  double singularTolerance = defaultRelativeFunctionTolerance();
  double stepTolerance = std::sqrt(DBL_EPSILON);  // v(XCTOL): relative step for X-convergence
  // v(XFTOL): a relative step below this without convergence is false convergence.
  double falseConvergenceTolerance = 100 * DBL_EPSILON;
  double initialStepBound = 1.0;   // v(LMAX0): the first trust radius, in scaled units
  double singularStepBound = 1.0;  // v(LMAXS)
  // D: the variables are measured as D(i) * x(i) in the trust region and
  // the step tests, so D(i) should be about 1 / (the scale of x(i)). Empty:
  // all 1; otherwise n positive values.
  std::vector<double> scale;
};

// Why SUMSL stopped: its iv(1) on return.
enum class Stop : int {
  stepConverged = 3,              // X-convergence: the relative step is below stepTolerance
  functionConverged = 4,          // relative function convergence
  stepAndFunctionConverged = 5,   // both
  absoluteFunctionConverged = 6,  // |f| < absoluteFunctionTolerance
  singularConvergence = 7,        // the Hessian looks singular near x
  falseConvergence = 8,           // the steps became tiny without convergence (f or gradient inaccurate, or a discontinuity)
  evaluationLimit = 9,            // maxEvaluations reached
  iterationLimit = 10,            // maxIterations reached
  noValueAtStart = 63,            // f cannot be computed at the start point
  internalError = 64,             // an impossible state (bad iv(IRC))
  noGradient = 65,                // the gradient could not be computed
};

struct Result {
  std::vector<double> x;  // SUMSL's X on return: the best point found
  double f = 0;           // v(F): f(x), SUMSL's value for it
  Stop stop = Stop::internalError;
  long iterations = 0;        // iv(NITER)
  long valueEvaluations = 0;  // iv(NFCALL): calls of Function::value, refused ones included
  // iv(NGCALL): calls of Function::gradient, counted as SUMSL does, from 1
  // (so 1 also when it stopped before the first).
  long gradientEvaluations = 0;
  // Stop reasons 3-6: SUMSL's convergence tests were met.
  bool converged() const { return static_cast<int>(stop) >= 3 && static_cast<int>(stop) <= 6; }
};

// Minimises f from `start` (n >= 1 values). Throws std::invalid_argument for
// an empty start or a scale of the wrong length or not positive; whatever
// `f` throws passes through.
Result minimise(Function& f, const std::vector<double>& start, const Settings& settings = Settings());

// A name for a stop reason, for messages.
const char* describe(Stop stop);

}  // namespace sumsl
