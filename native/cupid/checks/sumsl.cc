// Checks of the SUMSL minimiser (sumsl.h) alone, on functions whose minima
// are known, so that a fault in the transcription shows here rather than as
// a drifting GaussClumps catalogue. One line per check, "ok NAME ..." or
// "not ok NAME ..."; the exit status is non-zero if any check failed.
#include "sumsl.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

int failures = 0;

void report(bool ok, const char* name, const std::string& details) {
  std::printf("%s %s %s\n", ok ? "ok" : "not ok", name, details.c_str());
  if (!ok) ++failures;
}

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

std::string point(const std::vector<double>& x) {
  std::string s = "(";
  for (std::size_t i = 0; i < x.size(); ++i) s += format(i ? ", %.12g" : "%.12g", x[i]);
  return s + ")";
}

std::string summary(const sumsl::Result& r) {
  return format("x = %s, f = %.6g, stop %d (%s), %ld iterations, %ld values, %ld gradients", point(r.x).c_str(), r.f,
                static_cast<int>(r.stop), sumsl::describe(r.stop), r.iterations, r.valueEvaluations,
                r.gradientEvaluations);
}

double maxError(const std::vector<double>& x, const std::vector<double>& expected) {
  double e = 0;
  for (std::size_t i = 0; i < x.size(); ++i) e = std::max(e, std::fabs(x[i] - expected[i]));
  return e;
}

// A function from lambdas, counting its calls; `defined` says where it can be evaluated.
class Lambda : public sumsl::Function {
 public:
  using Value = std::function<double(const double*)>;
  using Gradient = std::function<void(const double*, double*)>;
  using Defined = std::function<bool(const double*)>;
  Lambda(int n, Value f, Gradient g, Defined defined = nullptr)
      : n_(n), f_(std::move(f)), g_(std::move(g)), defined_(std::move(defined)) {}

  bool value(const double* x, long evaluation, double& f) override {
    ++values;
    seen_[evaluation] = std::vector<double>(x, x + n_);
    if (defined_ && !defined_(x)) {
      ++refused;
      return false;
    }
    f = f_(x);
    return true;
  }
  bool gradient(const double* x, long evaluation, double* g) override {
    ++gradients;
    // sumsl.h's promise: the gradient's evaluation number is that of a value
    // evaluation at the same point.
    auto it = seen_.find(evaluation);
    if (it == seen_.end() || it->second != std::vector<double>(x, x + n_)) ++mismatchedNumbers;
    if (failGradient) return false;
    g_(x, g);
    return true;
  }

  long values = 0, gradients = 0, refused = 0, mismatchedNumbers = 0;
  bool failGradient = false;

 private:
  int n_;
  Value f_;
  Gradient g_;
  Defined defined_;
  std::map<long, std::vector<double>> seen_;
};

Lambda rosenbrock(Lambda::Defined defined = nullptr) {
  return Lambda(
      2, [](const double* x) { return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]); },
      [](const double* x, double* g) {
        g[0] = -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]);
        g[1] = 200 * (x[1] - x[0] * x[0]);
      },
      std::move(defined));
}

// f = (x - c)^T A (x - c) + f0 with A = coupling B^T B + diag(w): positive definite,
// coupled, its minimum f0 at c.
struct Quadratic {
  int n;
  std::vector<double> a, c;
  double f0;
  Quadratic(std::vector<double> centre, std::vector<double> diagonal, double coupling, double minimum)
      : n(static_cast<int>(centre.size())), a(n * n, 0.0), c(std::move(centre)), f0(minimum) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        double b = 0;
        for (int k = 0; k < n; ++k) b += std::sin(1.0 + k + 2.0 * i) * std::sin(1.0 + k + 2.0 * j);
        a[i * n + j] = coupling * b + (i == j ? diagonal[i] : 0.0);
      }
  }
  Lambda function() const {
    const Quadratic q = *this;
    return Lambda(
        n,
        [q](const double* x) {
          double f = q.f0;
          for (int i = 0; i < q.n; ++i)
            for (int j = 0; j < q.n; ++j) f += (x[i] - q.c[i]) * q.a[i * q.n + j] * (x[j] - q.c[j]);
          return f;
        },
        [q](const double* x, double* g) {
          for (int i = 0; i < q.n; ++i) {
            g[i] = 0;
            for (int j = 0; j < q.n; ++j) g[i] += 2 * q.a[i * q.n + j] * (x[j] - q.c[j]);
          }
        });
  }
};

void checkRosenbrock() {
  // With PDA's default tolerances, as CUPID runs it.
  Lambda f = rosenbrock();
  sumsl::Result r = sumsl::minimise(f, {-1.2, 1.0});
  double e = maxError(r.x, {1.0, 1.0});
  report(r.converged() && e < 1e-8 && r.f < 1e-16, "rosenbrock", format("error %.3g; ", e) + summary(r));
  report(f.mismatchedNumbers == 0 && r.valueEvaluations == f.values && r.gradientEvaluations == f.gradients,
         "evaluation-numbers",
         format("%ld gradients asked at a point other than their evaluation number's; %ld/%ld values, %ld/%ld "
                "gradients counted",
                f.mismatchedNumbers, r.valueEvaluations, f.values, r.gradientEvaluations, f.gradients));
}

void checkQuadratic() {
  Quadratic q({1.5, -2.0, 0.25, 3.0, -0.75, 0.5}, {1, 2, 3, 4, 5, 6}, 0.5, -7.0);
  Lambda f = q.function();
  sumsl::Settings settings;
  settings.relativeFunctionTolerance = 1e-15;
  sumsl::Result r = sumsl::minimise(f, std::vector<double>(q.n, 0.0), settings);
  double e = maxError(r.x, q.c);
  report(r.converged() && e < 1e-7 && std::fabs(r.f - q.f0) < 1e-12, "quadratic-6",
         format("error %.3g, f - f0 = %.3g; ", e, r.f - q.f0) + summary(r));
}

void checkBadlyScaled() {
  // Curvatures from 1e-4 to 1e4 and centres from 1e2 to 1e-2: the variables'
  // natural scales differ by 1e4.
  std::vector<double> centre, curvature, scale;
  for (int i = 0; i < 5; ++i) {
    double s = std::pow(10.0, i - 2);  // 0.01 ... 100
    curvature.push_back(s * s);
    centre.push_back(1.0 / s);
    scale.push_back(s);
  }
  Quadratic q(centre, curvature, 0.0, 1.0);
  Lambda f = q.function();
  sumsl::Settings settings;
  settings.maxIterations = 1000;
  settings.maxEvaluations = 2000;
  settings.relativeFunctionTolerance = 1e-14;
  sumsl::Result r = sumsl::minimise(f, std::vector<double>(q.n, 0.0), settings);
  double worst = 0;
  for (int i = 0; i < q.n; ++i) worst = std::max(worst, std::fabs(r.x[i] - q.c[i]) / std::fabs(q.c[i]));
  report(r.converged() && worst < 1e-5, "badly-scaled",
         format("worst relative error %.3g; ", worst) + summary(r));
  // The same with SUMSL's scale D set to the variables' scales.
  Lambda g = q.function();
  settings.scale = scale;
  sumsl::Result s = sumsl::minimise(g, std::vector<double>(q.n, 0.0), settings);
  double worstScaled = 0;
  for (int i = 0; i < q.n; ++i) worstScaled = std::max(worstScaled, std::fabs(s.x[i] - q.c[i]) / std::fabs(q.c[i]));
  report(s.converged() && worstScaled < 1e-5 && s.iterations <= r.iterations, "badly-scaled-with-scale",
         format("worst relative error %.3g, %ld iterations against %ld unscaled; ", worstScaled, s.iterations,
                r.iterations) +
             summary(s));
}

void checkLimits() {
  Lambda f = rosenbrock();
  sumsl::Settings settings;
  settings.maxIterations = 4;
  sumsl::Result r = sumsl::minimise(f, {-1.2, 1.0}, settings);
  report(r.stop == sumsl::Stop::iterationLimit && r.iterations == 4, "iteration-limit", summary(r));
  Lambda g = rosenbrock();
  settings = sumsl::Settings();
  settings.maxEvaluations = 7;
  r = sumsl::minimise(g, {-1.2, 1.0}, settings);
  report(r.stop == sumsl::Stop::evaluationLimit && r.valueEvaluations == 7 && g.values == 7, "evaluation-limit",
         format("%ld calls; ", g.values) + summary(r));
}

void checkUndefinedRegion() {
  // Rosenbrock, defined only near its curved valley: steps across the valley
  // land where f cannot be computed, and SUMSL must shorten them.
  Lambda f = rosenbrock([](const double* x) { return std::fabs(x[1] - x[0] * x[0]) < 0.05; });
  sumsl::Settings settings;
  settings.maxEvaluations = 1000;
  settings.maxIterations = 1000;
  sumsl::Result r = sumsl::minimise(f, {-1.2, 1.44}, settings);
  double e = maxError(r.x, {1.0, 1.0});
  report(r.converged() && e < 1e-4 && f.refused > 0 && f.mismatchedNumbers == 0, "undefined-region",
         format("%ld points refused, error %.3g, %ld gradients off their number's point; ", f.refused, e,
                f.mismatchedNumbers) +
             summary(r));
}

void checkStartAtMinimum() {
  Quadratic q({1.0, 2.0, 3.0}, {1, 2, 3}, 0.25, 5.0);
  Lambda f = q.function();
  sumsl::Result r = sumsl::minimise(f, q.c);
  report(r.converged() && r.x == q.c && r.iterations <= 1 && r.valueEvaluations == 1 && r.f == q.f0,
         "start-at-minimum", summary(r));
}

void checkFailures() {
  Lambda f = rosenbrock([](const double* x) { return x[0] > 0; });
  sumsl::Result r = sumsl::minimise(f, {-1.2, 1.0});
  report(r.stop == sumsl::Stop::noValueAtStart && r.valueEvaluations == 1, "no-value-at-start", summary(r));
  Lambda g = rosenbrock();
  g.failGradient = true;
  r = sumsl::minimise(g, {-1.2, 1.0});
  report(r.stop == sumsl::Stop::noGradient && g.gradients == 1, "no-gradient", summary(r));
  // An exception from the function (GaussClumps' cancellation) passes through.
  Lambda h(
      1, [](const double* x) { return x[0] * x[0]; }, [](const double* x, double* g) { g[0] = 2 * x[0]; },
      [](const double*) -> bool { throw std::runtime_error("cancelled"); });
  bool passed = false;
  try {
    sumsl::minimise(h, {1.0});
  } catch (const std::runtime_error&) {
    passed = true;
  }
  report(passed, "exception-passes-through", passed ? "caught" : "not thrown");
  int thrown = 0;
  for (auto bad : {std::function<void()>([] {
                     Lambda h = rosenbrock();
                     sumsl::minimise(h, {});
                   }),
                   std::function<void()>([] {
                     Lambda h = rosenbrock();
                     sumsl::Settings s;
                     s.scale = {1.0};
                     sumsl::minimise(h, {-1.2, 1.0}, s);
                   }),
                   std::function<void()>([] {
                     Lambda h = rosenbrock();
                     sumsl::Settings s;
                     s.scale = {1.0, 0.0};
                     sumsl::minimise(h, {-1.2, 1.0}, s);
                   })}) {
    try {
      bad();
    } catch (const std::invalid_argument&) {
      ++thrown;
    }
  }
  report(thrown == 3, "invalid-arguments", format("%d of 3 rejected", thrown));
}

}  // namespace

int main() {
  checkRosenbrock();
  checkQuadratic();
  checkBadlyScaled();
  checkLimits();
  checkUndefinedRegion();
  checkStartAtMinimum();
  checkFailures();
  std::printf("%s\n", failures ? "SOME CHECKS FAILED" : "all checks passed");
  return failures ? 1 : 0;
}
