// SUMSL's state during one minimisation, shared by sumsl.cc, sumsl-steps.cc
// and sumsl-assess.cc; not part of the interface (sumsl.h). Indices follow
// the Fortran (1-based: element 0 of every vector is unused, iv_ and v_ are
// indexed by the Fortran subscript names) so the code can be checked against
// it line by line.
#pragma once

#include <vector>

#include "sumsl.h"

namespace sumsl {

class Minimiser {
 public:
  Minimiser(Function& function, const Settings& settings) : function_(function), settings_(settings) {}

  // Returns SUMSL's iv(1); x is the start point on entry and the result on return.
  int run(std::vector<double>& xv);
  long iterations() const { return iv_[NITER]; }
  long valueEvaluations() const { return iv_[NFCALL]; }
  long gradientEvaluations() const { return iv_[NGCALL]; }
  double value() const { return v_[F]; }

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

  // sumsl.cc
  void defaults();
  bool calcf(double& f);
  bool calcg();
  int sumit();

  // sumsl-steps.cc
  double dot(const std::vector<double>& a, const std::vector<double>& b) const;
  double norm2(const std::vector<double>& a) const;
  double reldst() const;
  // L is lower triangular, stored compactly by rows: L(i,j) = l_[i(i-1)/2 + j].
  double L(int i, int j) const { return l_[i * (i - 1) / 2 + j]; }
  void livmul(std::vector<double>& x, const std::vector<double>& y) const;
  void litvmu(std::vector<double>& x, const std::vector<double>& y) const;
  void ltvmul(std::vector<double>& x, const std::vector<double>& y) const;
  void lvmul(std::vector<double>& x, const std::vector<double>& y) const;
  void dbdog();
  void wzbfgs(const std::vector<double>& s, std::vector<double>& w, const std::vector<double>& y,
              std::vector<double>& z) const;
  void lupdat(std::vector<double>& w, std::vector<double>& z);

  // sumsl-assess.cc
  void assst();

  Function& function_;
  const Settings& settings_;
  int n_ = 0;
  int iv_[60];
  double v_[60];
  std::vector<double> x_, d_, g_, x0_, step_, stlstg_, g0_, nwtstp_, dg_, l_;
};

}  // namespace sumsl
