// GaussClumps' starting point for one fit: the section around the peak,
// its weights and the initial parameters (cupidGCSetInit, cupidGCProfWidth).
#include "gaussclumps-guess.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace cupid {
namespace gaussclumps {
namespace {

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

}  // namespace

// The initial guess and the section to fit around the peak (cupidGCSetInit).
void initialGuess(const std::vector<double>& res, int ndim, const long dims[3], std::size_t imax, double rms,
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

}  // namespace gaussclumps
}  // namespace cupid
