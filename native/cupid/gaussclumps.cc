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
//
// This file is the fit loop: one fit (fitClump), the subtraction of the
// fitted model (updateArrays) and gaussClumps itself. The initial guesses
// are in gaussclumps-guess.cc, the chi² in gaussclumps-objective.cc, the
// minimiser in sumsl*.cc.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cupid.h"
#include "gaussclumps-guess.h"
#include "gaussclumps-objective.h"
#include "sumsl.h"

namespace cupid {
namespace {

using gaussclumps::kPi;
using gaussclumps::Objective;
using gaussclumps::Params;
using gaussclumps::Settings;

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
    gaussclumps::initialGuess(res, ndim, dims, imax, rms, s, obj, par);
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
