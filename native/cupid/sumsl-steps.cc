// SUMSL's step computations: products with the Cholesky factor L of the
// Hessian approximation, the double-dogleg step (PDA_DBDOG) and the BFGS
// update of L (PDA_WZBFGS, PDA_LUPDAT).
#include <cmath>
#include <vector>

#include "sumsl-internal.h"

namespace sumsl {

double Minimiser::dot(const std::vector<double>& a, const std::vector<double>& b) const {
  double s = 0;
  for (int i = 1; i <= n_; ++i) s += a[i] * b[i];
  return s;
}

double Minimiser::norm2(const std::vector<double>& a) const { return std::sqrt(dot(a, a)); }

double Minimiser::reldst() const {
  double emax = 0, xmax = 0;
  for (int i = 1; i <= n_; ++i) {
    double t = std::fabs(d_[i] * (x_[i] - x0_[i]));
    if (emax < t) emax = t;
    t = d_[i] * (std::fabs(x_[i]) + std::fabs(x0_[i]));
    if (xmax < t) xmax = t;
  }
  return xmax > 0 ? emax / xmax : 0.0;
}

// x = L^-1 y
void Minimiser::livmul(std::vector<double>& x, const std::vector<double>& y) const {
  for (int i = 1; i <= n_; ++i) {
    double t = y[i];
    for (int j = 1; j < i; ++j) t -= L(i, j) * x[j];
    x[i] = t / L(i, i);
  }
}

// x = L^-T y (x may alias y)
void Minimiser::litvmu(std::vector<double>& x, const std::vector<double>& y) const {
  std::vector<double> tmp(y);
  for (int i = n_; i >= 1; --i) {
    double t = tmp[i];
    for (int j = i + 1; j <= n_; ++j) t -= L(j, i) * x[j];
    x[i] = t / L(i, i);
  }
}

// x = L^T y
void Minimiser::ltvmul(std::vector<double>& x, const std::vector<double>& y) const {
  std::vector<double> tmp(y);
  for (int i = 1; i <= n_; ++i) {
    double t = 0;
    for (int j = i; j <= n_; ++j) t += L(j, i) * tmp[j];
    x[i] = t;
  }
}

// x = L y
void Minimiser::lvmul(std::vector<double>& x, const std::vector<double>& y) const {
  std::vector<double> tmp(y);
  for (int i = 1; i <= n_; ++i) {
    double t = 0;
    for (int j = 1; j <= i; ++j) t += L(i, j) * tmp[j];
    x[i] = t;
  }
}

void Minimiser::dbdog() {
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
void Minimiser::wzbfgs(const std::vector<double>& s, std::vector<double>& w, const std::vector<double>& y,
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
void Minimiser::lupdat(std::vector<double>& w, std::vector<double>& z) {
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

}  // namespace sumsl
