// Development check: odd inputs and parameters must give a cupid::Error with
// a message or a (possibly empty) result, never a crash or a hang.
//
// Build (from native/cupid, one job):
//   g++ -std=c++17 -O2 -Wall -Wextra -I. $(ls *.cc) tools/edge-cases.cc -lpthread -o /tmp/cupid-edge-cases
// Run under valgrind or -fsanitize=address,undefined for a stricter check.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "cupid.h"

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

cupid::Array make(int ndim, std::size_t nx, std::size_t ny, std::size_t nz, double fill) {
  cupid::Array a;
  a.ndim = ndim;
  a.dims[0] = nx;
  a.dims[1] = ny;
  a.dims[2] = nz;
  a.data.assign(a.size(), fill);
  return a;
}

cupid::Array noisy(int ndim, std::size_t nx, std::size_t ny, std::size_t nz, unsigned seed, int blobs) {
  cupid::Array a = make(ndim, nx, ny, nz, 0);
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  for (double& v : a.data) v = noise(rng);
  std::uniform_real_distribution<double> u(0, 1);
  for (int b = 0; b < blobs; ++b) {
    double c[3] = {u(rng) * nx, u(rng) * ny, u(rng) * nz}, amp = 5 + 15 * u(rng);
    for (std::size_t z = 0; z < nz; ++z)
      for (std::size_t y = 0; y < ny; ++y)
        for (std::size_t x = 0; x < nx; ++x) {
          double d2 = (x - c[0]) * (x - c[0]) + (ndim > 1 ? (y - c[1]) * (y - c[1]) : 0) +
                      (ndim > 2 ? (z - c[2]) * (z - c[2]) : 0);
          a.data[x + nx * (y + ny * z)] += amp * std::exp(-d2 / 8);
        }
  }
  return a;
}

int failures = 0;

void run(const char* what, const cupid::Array& a, const std::string& method,
         std::map<std::string, std::string> config = {}, double rms = 0) {
  cupid::FindClumpsOptions o;
  o.method = method;
  o.config = std::move(config);
  o.rms = rms;
  try {
    cupid::FindClumpsResult r = cupid::findClumps(a, o, cupid::Control());
    std::printf("ok     %-11s %-44s %zu clumps, %d accepted\n", method.c_str(), what, r.rows.size(), r.nClumps);
  } catch (const cupid::Error& e) {
    std::printf("error  %-11s %-44s %s\n", method.c_str(), what, e.what());
  } catch (const std::exception& e) {
    std::printf("FAIL   %-11s %-44s unexpected exception: %s\n", method.c_str(), what, e.what());
    ++failures;
  }
}

}  // namespace

int main() {
  for (std::string m : {"fellwalker", "clumpfind"}) {
    run("NaN-only 2-D", make(2, 20, 20, 1, kNaN), m);
    run("NaN-only 2-D, RMS given", make(2, 20, 20, 1, kNaN), m, {}, 1);
    run("constant 2-D", make(2, 20, 20, 1, 3.0), m);
    run("constant 2-D, RMS given", make(2, 20, 20, 1, 3.0), m, {}, 1);
    run("1x1", make(2, 1, 1, 1, 1.0), m, {}, 1);
    run("2x2", make(2, 2, 2, 1, 1.0), m, {}, 0.1);
    run("2x2 estimated RMS", noisy(2, 2, 2, 1, 1, 0), m);
    run(
        "3x3 with a spike", [] {
          cupid::Array a = make(2, 3, 3, 1, 0.0);
          a.data[4] = 10;
          a.data[0] = 0.1;
          return a;
        }(),
        m, {}, 1);
    run("1-pixel axes 1x40x1 (squeezed to 1-D)", noisy(3, 1, 40, 1, 2, 2), m, {}, 1);
    run("1-D 200", noisy(1, 200, 1, 1, 3, 4), m, {}, 1);
    run("3-D 2x2x2", noisy(3, 2, 2, 2, 4, 0), m, {}, 1);
    run("3-D 12x10x8", noisy(3, 12, 10, 8, 5, 3), m, {}, 1);
    run("3-D 30x30x30", noisy(3, 30, 30, 30, 6, 6), m);
    run(
        "2-D, Inf pixels", [] {
          cupid::Array a = noisy(2, 30, 30, 1, 7, 3);
          a.data[10] = std::numeric_limits<double>::infinity();
          a.data[11] = -std::numeric_limits<double>::infinity();
          return a;
        }(),
        m, {}, 1);
    run(
        "2-D, half NaN", [] {
          cupid::Array a = noisy(2, 40, 40, 1, 8, 6);
          for (std::size_t i = 0; i < a.data.size(); i += 2) a.data[i] = kNaN;
          return a;
        }(),
        m, {}, 1);
    run(
        "size/data mismatch", [] {
          cupid::Array a = make(2, 10, 10, 1, 0);
          a.data.resize(50);
          return a;
        }(),
        m, {}, 1);
    run(
        "ndim 4", [] {
          cupid::Array a = make(2, 10, 10, 1, 0);
          a.ndim = 4;
          return a;
        }(),
        m, {}, 1);
    run("unknown key", noisy(2, 30, 30, 1, 9, 2), m, {{"Nosie", "3"}}, 1);
    run("other algorithm's key", noisy(2, 30, 30, 1, 9, 2), m, {{"GaussClumps.NPad", "3"}}, 1);
    run("MinPix=abc", noisy(2, 30, 30, 1, 9, 2), m, {{"MinPix", "abc"}}, 1);
    run("MinPix=2.5", noisy(2, 30, 30, 1, 9, 2), m, {{"MinPix", "2.5"}}, 1);
    run("MinPix=-3", noisy(2, 30, 30, 1, 9, 2), m, {{"MinPix", "-3"}}, 1);
    run("MinPix=1e9", noisy(2, 30, 30, 1, 9, 2), m, {{"MinPix", "1000000000"}}, 1);
    run("MaxBad=-1", noisy(2, 30, 30, 1, 9, 2), m, {{"MaxBad", "-1"}}, 1);
    run("FwhmBeam=1e6", noisy(2, 30, 30, 1, 9, 2), m, {{"FwhmBeam", "1e6"}}, 1);
    run("FwhmBeam=0", noisy(2, 30, 30, 1, 9, 2), m, {{"FwhmBeam", "0"}}, 1);
    run("RMS=-1 in config", noisy(2, 30, 30, 1, 9, 2), m, {{"RMS", "-1"}}, 1);
    run("RMS=1e300", noisy(2, 30, 30, 1, 9, 2), m, {}, 1e300);
    run("RMS=1e-300", noisy(2, 30, 30, 1, 9, 2), m, {}, 1e-300);
  }
  const char* fw = "fellwalker";
  run("MaxJump=-1", noisy(2, 30, 30, 1, 9, 2), fw, {{"MaxJump", "-1"}}, 1);
  run("MaxJump=0", noisy(2, 30, 30, 1, 9, 2), fw, {{"MaxJump", "0"}}, 1);
  run("MaxJump=2000000000", noisy(2, 30, 30, 1, 9, 2), fw, {{"MaxJump", "2000000000"}}, 1);
  run("CleanIter=1000000000", noisy(2, 30, 30, 1, 9, 2), fw, {{"CleanIter", "1000000000"}}, 1);
  run("CleanIter=-1", noisy(2, 30, 30, 1, 9, 2), fw, {{"CleanIter", "-1"}}, 1);
  run("Noise=1e300", noisy(2, 30, 30, 1, 9, 2), fw, {{"Noise", "1e300"}}, 1);
  run("Noise=-1e300", noisy(2, 30, 30, 1, 9, 2), fw, {{"Noise", "-1e300"}}, 1);
  run("Noise=0, MinHeight=0", noisy(2, 30, 30, 1, 9, 2), fw, {{"Noise", "0"}, {"MinHeight", "0"}}, 1);
  run("MinDip=1e300", noisy(2, 30, 30, 1, 9, 2), fw, {{"MinDip", "1e300"}}, 1);
  run("FlatSlope=-1e300", noisy(2, 30, 30, 1, 9, 2), fw, {{"FlatSlope", "-1e300"}}, 1);
  run("Noise=x*RMS", noisy(2, 30, 30, 1, 9, 2), fw, {{"Noise", "x*RMS"}}, 1);
  run("AllowEdge=0 on 4x4", noisy(2, 4, 4, 1, 10, 1), fw, {{"AllowEdge", "0"}}, 1);
  const char* cf = "clumpfind";
  run("Tlow below min", noisy(2, 30, 30, 1, 9, 2), cf, {{"Tlow", "-100"}}, 1);
  run("Tlow above max", noisy(2, 30, 30, 1, 9, 2), cf, {{"Tlow", "100"}}, 1);
  run("DeltaT=0", noisy(2, 30, 30, 1, 9, 2), cf, {{"DeltaT", "0"}}, 1);
  run("DeltaT=1e-12 (too many levels)", noisy(2, 30, 30, 1, 9, 2), cf, {{"DeltaT", "1e-12"}}, 1);
  run("DeltaT=1e300 (one level)", noisy(2, 30, 30, 1, 9, 2), cf, {{"DeltaT", "1e300"}}, 1);
  run("Level1..3", noisy(2, 30, 30, 1, 9, 2), cf, {{"Level1", "2*RMS"}, {"Level2", "6"}, {"Level3", "4"}}, 1);
  run("Level1 only", noisy(2, 30, 30, 1, 9, 2), cf, {{"Level1", "3"}}, 1);
  run("Level1 + Level3 (gap)", noisy(2, 30, 30, 1, 9, 2), cf, {{"Level1", "3"}, {"Level3", "5"}}, 1);
  run("Level1 + Tlow", noisy(2, 30, 30, 1, 9, 2), cf, {{"Level1", "3"}, {"Tlow", "2"}}, 1);
  run("Naxis=0", noisy(2, 30, 30, 1, 9, 2), cf, {{"Naxis", "0"}}, 1);
  run("Naxis=3 on 2-D", noisy(2, 30, 30, 1, 9, 2), cf, {{"Naxis", "3"}}, 1);
  run("IDLAlg=1 3-D", noisy(3, 16, 16, 16, 11, 4), cf, {{"IDLAlg", "1"}}, 1);
  run("Naxis=1 3-D", noisy(3, 16, 16, 16, 11, 4), cf, {{"Naxis", "1"}}, 1);
  run("AllowEdge=1", noisy(2, 30, 30, 1, 9, 2), cf, {{"AllowEdge", "1"}}, 1);
  run("unknown method", noisy(2, 30, 30, 1, 9, 2), "kimberley", {}, 1);

  // Cancellation: a set flag must stop a run with cupid::Cancelled.
  for (std::string m : {"fellwalker", "clumpfind"}) {
    std::atomic<bool> cancel{true};
    cupid::Control control;
    control.cancel = &cancel;
    cupid::FindClumpsOptions o;
    o.method = m;
    o.rms = 1;
    try {
      cupid::findClumps(noisy(3, 40, 40, 40, 12, 5), o, control);
      std::printf("FAIL   %-11s %-44s not cancelled\n", m.c_str(), "cancel flag set");
      ++failures;
    } catch (const cupid::Cancelled&) {
      std::printf("ok     %-11s %-44s cancelled\n", m.c_str(), "cancel flag set");
    }
  }
  std::printf("%s\n", failures ? "SOME CASES FAILED" : "all cases ended with a result or a cupid::Error");
  return failures ? 1 : 0;
}
