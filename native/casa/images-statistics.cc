// statistics(): what CASA's imstat gives, over the image or a box, in a worker.
#include <casacore/casa/Arrays/Slicer.h>
#include <casacore/images/Images/ImageStatistics.h>
#include <casacore/images/Images/SubImage.h>

#include "images.h"
#include "promise-worker.h"

namespace jovialcasa {
namespace images {

namespace {

using jovial::PromiseWorker;

struct StatsResult {
  double npts = 0, sum = kNaN, sumsq = kNaN, mean = kNaN, rms = kNaN, sigma = kNaN, min = kNaN, max = kNaN;
  double median = kNaN, medabsdevmed = kNaN, q1 = kNaN, q3 = kNaN;
  std::vector<long long> minpos, maxpos;
};

class StatsWorker : public PromiseWorker {
 public:
  StatsWorker(Napi::Env env, StatePtr state, Box box) : PromiseWorker(env, "jovial_casa.image", state->path), state_(std::move(state)), box_(std::move(box)) {}

 protected:
  void Run() override {
    ImageLock lock(*state_);
    visitReal(*state_, [&](auto& img) {
      using T = PixelType<std::decay_t<decltype(img)>>;
      std::unique_ptr<casacore::SubImage<T>> sub;
      const ImageInterface<T>* target = &img;
      if (!box_.whole) {
        sub.reset(new casacore::SubImage<T>(img, casacore::Slicer(box_.blc, box_.trc, casacore::Slicer::endIsLast)));
        target = sub.get();
      }
      // No LogIO: nothing is listed or logged. Not cloned: the mutex keeps the image still.
      casacore::ImageStatistics<T> stats(*target, false, false, false);
      casacore::Vector<Int> axes(target->ndim());
      for (uInt i = 0; i < axes.nelements(); ++i) axes[i] = Int(i);
      if (!stats.setAxes(axes)) throw casacore::AipsError(stats.errorMessage());
      // NaN pixels are left out like masked ones (FITS images mask them anyway): an include range
      // of all numbers, which no NaN is in.
      casacore::Vector<T> include(2), exclude;
      include[0] = -std::numeric_limits<T>::infinity();
      include[1] = std::numeric_limits<T>::infinity();
      if (!stats.setInExCludeRange(include, exclude, false)) throw casacore::AipsError(stats.errorMessage());
      using Accum = typename casacore::NumericTraits<T>::PrecisionType;
      auto one = [&](casacore::LatticeStatsBase::StatisticsTypes type) -> double {
        casacore::Array<Accum> a;
        if (!stats.getStatistic(a, type, true)) throw casacore::AipsError(stats.errorMessage());
        if (a.nelements() == 0) return kNaN;
        return static_cast<double>(*a.begin());
      };
      r_.npts = one(casacore::LatticeStatsBase::NPTS);
      if (!(r_.npts > 0)) {
        r_.npts = 0;
        return 0;
      }
      r_.sum = one(casacore::LatticeStatsBase::SUM);
      r_.sumsq = one(casacore::LatticeStatsBase::SUMSQ);
      r_.mean = one(casacore::LatticeStatsBase::MEAN);
      r_.rms = one(casacore::LatticeStatsBase::RMS);
      r_.sigma = one(casacore::LatticeStatsBase::SIGMA);
      r_.min = one(casacore::LatticeStatsBase::MIN);
      r_.max = one(casacore::LatticeStatsBase::MAX);
      r_.median = one(casacore::LatticeStatsBase::MEDIAN);
      r_.medabsdevmed = one(casacore::LatticeStatsBase::MEDABSDEVMED);
      r_.q1 = one(casacore::LatticeStatsBase::Q1);
      r_.q3 = one(casacore::LatticeStatsBase::Q3);
      IPosition minPos, maxPos;
      if (stats.getMinMaxPos(minPos, maxPos)) {
        // Positions in the image's pixels, not the box's.
        for (uInt i = 0; i < minPos.nelements(); ++i) r_.minpos.push_back(minPos[i] + (box_.whole ? 0 : box_.blc[i]));
        for (uInt i = 0; i < maxPos.nelements(); ++i) r_.maxpos.push_back(maxPos[i] + (box_.whole ? 0 : box_.blc[i]));
      }
      return 0;
    });
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("npts", r_.npts);
    o.Set("sum", r_.sum);
    o.Set("sumsq", r_.sumsq);
    o.Set("mean", r_.mean);
    o.Set("rms", r_.rms);
    o.Set("sigma", r_.sigma);
    o.Set("min", r_.min);
    o.Set("max", r_.max);
    auto pos = [&](const std::vector<long long>& p) {
      Napi::Array a = Napi::Array::New(env, p.size());
      for (size_t i = 0; i < p.size(); ++i) a.Set(uint32_t(i), Napi::Number::New(env, double(p[i])));
      return a;
    };
    o.Set("minpos", pos(r_.minpos));
    o.Set("maxpos", pos(r_.maxpos));
    o.Set("median", r_.median);
    o.Set("medabsdevmed", r_.medabsdevmed);
    o.Set("q1", r_.q1);
    o.Set("q3", r_.q3);
    return o;
  }

 private:
  StatePtr state_;
  Box box_;
  StatsResult r_;
};

}  // namespace

Napi::Value statistics(Napi::Env env, StatePtr state, Box box) { return (new StatsWorker(env, std::move(state), std::move(box)))->Start(); }

}  // namespace images
}  // namespace jovialcasa
