// Images: openImage (any image casacore's ImageOpener knows: PagedImage, FITS, MIRIAD), createImage
// (a float32 PagedImage), imageToFits / imageFromFits (ImageFITSConverter). See casa-bridge/src/native.ts.
//
// A handle keeps its image open (reopening costs ~100 ms) in a shared ImageState that workers share
// too, so closing a handle (or losing it to the GC) while a read runs is safe. Every use of the image
// holds tableMutex(absolute path); pixel reads and writes and statistics run in a worker off the event
// loop. Nothing allocates JavaScript values while holding that mutex: a GC finalizer may run during
// any allocation and destroy another handle of the same path, which takes the mutex.
#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Slicer.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/OS/File.h>
#include <casacore/casa/OS/Path.h>
#include <casacore/casa/Quanta/MVTime.h>
#include <casacore/casa/Quanta/Quantum.h>
#include <casacore/casa/Quanta/Unit.h>
#include <casacore/coordinates/Coordinates/CoordinateSystem.h>
#include <casacore/coordinates/Coordinates/DirectionCoordinate.h>
#include <casacore/coordinates/Coordinates/LinearCoordinate.h>
#include <casacore/coordinates/Coordinates/ObsInfo.h>
#include <casacore/coordinates/Coordinates/Projection.h>
#include <casacore/coordinates/Coordinates/SpectralCoordinate.h>
#include <casacore/coordinates/Coordinates/StokesCoordinate.h>
#include <casacore/images/Images/ImageExpr.h>
#include <casacore/images/Images/ImageFITSConverter.h>
#include <casacore/images/Images/ImageInfo.h>
#include <casacore/images/Images/ImageInterface.h>
#include <casacore/images/Images/ImageOpener.h>
#include <casacore/images/Images/ImageStatistics.h>
#include <casacore/images/Images/PagedImage.h>
#include <casacore/images/Images/SubImage.h>
#include <casacore/images/Regions/RegionHandler.h>
#include <casacore/lattices/LEL/LatticeExpr.h>
#include <casacore/lattices/LEL/LatticeExprNode.h>
#include <casacore/lattices/Lattices/TiledShape.h>
#include <casacore/measures/Measures/MDirection.h>
#include <casacore/measures/Measures/MDoppler.h>
#include <casacore/measures/Measures/MCEpoch.h>
#include <casacore/measures/Measures/MEpoch.h>
#include <casacore/measures/Measures/MFrequency.h>
#include <casacore/measures/Measures/MeasConvert.h>
#include <casacore/measures/Measures/Stokes.h>
#include <casacore/tables/LogTables/LoggerHolder.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "buffer-pool.h"
#include "common.h"
#include "promise-worker.h"

namespace jovialcasa {
namespace {

using casacore::Bool;
using casacore::Complex;
using casacore::DComplex;
using casacore::Double;
using casacore::Float;
using casacore::ImageInterface;
using casacore::Int;
using casacore::IPosition;
using casacore::uInt;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename I>
struct PixelTypeOf;
template <typename T>
struct PixelTypeOf<ImageInterface<T>> {
  using type = T;
};
template <typename I>
using PixelType = typename PixelTypeOf<I>::type;

// ---------------------------------------------------------------------------------------------
// The open image, shared by the handle and its workers.

struct ImageState {
  std::string path;  // as the caller gave it (in messages)
  std::string key;   // absolute path: the mutex's name
  std::mutex* mutex = nullptr;
  std::unique_ptr<casacore::LatticeBase> lattice;
  casacore::DataType dataType = casacore::TpOther;
  ImageInterface<Float>* f = nullptr;
  ImageInterface<Double>* d = nullptr;
  ImageInterface<Complex>* c = nullptr;
  ImageInterface<DComplex>* dc = nullptr;
  bool writable = false;
  IPosition shape;
  std::string imageType;
  // Read once at open, so that the frequent metadata calls never wait for a worker's read. Directions
  // in rad and frequencies in Hz (the contract's units); toWorld/toPixel use this same system.
  casacore::CoordinateSystem cs;
  casacore::ImageInfo info;
  std::string unit;
};

// The last owner (handle or worker) closes the image holding its mutex.
struct StateDeleter {
  void operator()(ImageState* s) const {
    if (!s) return;
    if (s->mutex) {
      std::lock_guard<std::mutex> lock(*s->mutex);
      try {
        s->lattice.reset();
      } catch (...) {
      }
    }
    delete s;
  }
};

using StatePtr = std::shared_ptr<ImageState>;

// Holds the image's mutex; on leaving, also gives up casacore's table lock, so that other processes
// (python-casacore, CASA) can read and write the image between our calls (an idle process never
// answers auto-locking requests and would make them wait).
class ImageLock {
 public:
  explicit ImageLock(ImageState& s) : s_(s), lock_(*s.mutex) {}
  ~ImageLock() {
    try {
      if (s_.lattice) s_.lattice->unlock();
    } catch (...) {
    }
  }
  ImageLock(const ImageLock&) = delete;
  ImageLock& operator=(const ImageLock&) = delete;

 private:
  ImageState& s_;
  std::lock_guard<std::mutex> lock_;
};

std::string absoluteKey(const std::string& path) {
  try {
    return casacore::Path(path).absoluteName();
  } catch (...) {
    return path;
  }
}

const char* dataTypeName(casacore::DataType t) {
  switch (t) {
    case casacore::TpFloat:
      return "float";
    case casacore::TpDouble:
      return "double";
    case casacore::TpComplex:
      return "complex";
    case casacore::TpDComplex:
      return "dcomplex";
    default:
      return "other";
  }
}

// Any image: f(ImageInterface<T>&) for the four pixel types.
template <typename F>
decltype(auto) visitAny(ImageState& s, F&& f) {
  switch (s.dataType) {
    case casacore::TpFloat:
      return f(*s.f);
    case casacore::TpDouble:
      return f(*s.d);
    case casacore::TpComplex:
      return f(*s.c);
    case casacore::TpDComplex:
      return f(*s.dc);
    default:
      throw casacore::AipsError("unsupported pixel type");
  }
}

// Real images only (pixel reads and writes, statistics).
template <typename F>
decltype(auto) visitReal(ImageState& s, F&& f) {
  switch (s.dataType) {
    case casacore::TpFloat:
      return f(*s.f);
    case casacore::TpDouble:
      return f(*s.d);
    default:
      throw casacore::AipsError(std::string("pixels of ") + dataTypeName(s.dataType) + " images cannot be read or written here (float and double only)");
  }
}

// The coordinate system in the contract's units: directions in rad, spectral axes in Hz.
casacore::CoordinateSystem normalizedCoordinates(const casacore::CoordinateSystem& in) {
  casacore::CoordinateSystem cs(in);
  for (uInt i = 0; i < cs.nCoordinates(); ++i) {
    if (cs.type(i) == casacore::Coordinate::DIRECTION) {
      casacore::DirectionCoordinate dc(cs.directionCoordinate(i));
      casacore::Vector<casacore::String> units(2, "rad");
      if (!casacore::allEQ(dc.worldAxisUnits(), units)) {
        dc.setWorldAxisUnits(units);
        cs.replaceCoordinate(dc, i);
      }
    } else if (cs.type(i) == casacore::Coordinate::SPECTRAL) {
      casacore::SpectralCoordinate sc(cs.spectralCoordinate(i));
      casacore::Vector<casacore::String> units(1, "Hz");
      if (!casacore::allEQ(sc.worldAxisUnits(), units)) {
        sc.setWorldAxisUnits(units);
        cs.replaceCoordinate(sc, i);
      }
    }
  }
  return cs;
}

// Fills the cached metadata; the caller holds the mutex.
void readMetadata(ImageState& s) {
  s.shape = s.lattice->shape();
  s.imageType = s.lattice->imageType();
  visitAny(s, [&](auto& img) {
    s.cs = normalizedCoordinates(img.coordinates());
    s.info = img.imageInfo();
    s.unit = img.units().getName();
    return 0;
  });
}

// Opens any image; the caller holds the mutex of `key`.
std::unique_ptr<casacore::LatticeBase> openLattice(const std::string& path) {
  casacore::File file(path);
  if (!file.exists()) throw casacore::AipsError("no such file or directory");
  std::unique_ptr<casacore::LatticeBase> lattice(casacore::ImageOpener::openImage(path));
  if (!lattice) {
    unsigned char magic[2] = {0, 0};
    if (std::FILE* fp = std::fopen(path.c_str(), "rb")) {
      if (std::fread(magic, 1, 2, fp) != 2) magic[0] = 0;
      std::fclose(fp);
    }
    if (magic[0] == 0x1f && magic[1] == 0x8b) throw casacore::AipsError("a gzip-compressed file: casacore opens uncompressed FITS only (gunzip it first)");
    throw casacore::AipsError("not an image casacore can open (neither a CASA image, FITS nor MIRIAD)");
  }
  return lattice;
}

// The open image's state; the caller holds `mutex`. On failure the half-made state is dropped here,
// still under the lock; on success the returned pointer's deleter takes the mutex.
StatePtr buildState(const std::string& path, const std::string& key, std::mutex* mutex, std::unique_ptr<casacore::LatticeBase> lattice, bool writable) {
  std::unique_ptr<ImageState> s(new ImageState);
  s->path = path;
  s->key = key;
  s->writable = writable;
  s->dataType = lattice->dataType();
  s->lattice = std::move(lattice);
  switch (s->dataType) {
    case casacore::TpFloat:
      s->f = dynamic_cast<ImageInterface<Float>*>(s->lattice.get());
      break;
    case casacore::TpDouble:
      s->d = dynamic_cast<ImageInterface<Double>*>(s->lattice.get());
      break;
    case casacore::TpComplex:
      s->c = dynamic_cast<ImageInterface<Complex>*>(s->lattice.get());
      break;
    case casacore::TpDComplex:
      s->dc = dynamic_cast<ImageInterface<DComplex>*>(s->lattice.get());
      break;
    default:
      break;
  }
  if (!s->f && !s->d && !s->c && !s->dc) {
    throw casacore::AipsError(std::string("not an image of float, double, complex or dcomplex pixels (") + dataTypeName(s->dataType) + ")");
  }
  readMetadata(*s);
  s->lattice->unlock();
  s->mutex = mutex;
  return StatePtr(s.release(), StateDeleter());
}

// ---------------------------------------------------------------------------------------------
// Argument helpers (main thread).
double numberAt(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, what + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// An integer vector of exactly n values (or of 0 values when `allowEmpty`, meaning "default").
std::vector<long long> intVector(Napi::Env env, const Napi::Value& v, size_t n, const std::string& what, bool allowEmpty) {
  std::vector<long long> out;
  if (v.IsUndefined() || v.IsNull()) {
    if (allowEmpty) return out;
    throw Napi::TypeError::New(env, what + " is missing (an array of " + std::to_string(n) + " integers)");
  }
  if (!v.IsArray() && !v.IsTypedArray()) throw Napi::TypeError::New(env, what + " must be an array of " + std::to_string(n) + " integers");
  Napi::Object arr = v.As<Napi::Object>();
  uint32_t len = v.IsArray() ? v.As<Napi::Array>().Length() : static_cast<uint32_t>(v.As<Napi::TypedArray>().ElementLength());
  if (len == 0 && allowEmpty) return out;
  if (len != n) throw Napi::RangeError::New(env, what + " has " + std::to_string(len) + " values; the image has " + std::to_string(n) + " axes");
  for (uint32_t i = 0; i < len; ++i) {
    Napi::Value e = arr.Get(i);
    double x = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : kNaN;
    if (!std::isfinite(x) || x != std::floor(x) || std::fabs(x) > 9.0e15) {
      throw Napi::TypeError::New(env, what + "[" + std::to_string(i) + "] must be an integer");
    }
    out.push_back(static_cast<long long>(x));
  }
  return out;
}

std::string positionText(const std::vector<long long>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string positionText(const IPosition& v) {
  std::vector<long long> x(v.begin(), v.end());
  return positionText(x);
}

struct Box {
  IPosition blc, trc, inc, outShape;
  bool whole = true;
  size_t count = 1;
};

// blc/trc/inc checked against the image's shape; empty or missing blc/trc/inc mean the whole image / 1.
Box parseBox(Napi::Env env, const IPosition& shape, const Napi::Value& blcV, const Napi::Value& trcV, const Napi::Value& incV, bool withInc) {
  size_t n = shape.nelements();
  auto blc = intVector(env, blcV, n, "blc", true);
  auto trc = intVector(env, trcV, n, "trc", true);
  std::vector<long long> inc;
  if (withInc) inc = intVector(env, incV, n, "inc", true);
  Box b;
  b.blc.resize(n);
  b.trc.resize(n);
  b.inc.resize(n);
  b.outShape.resize(n);
  for (size_t i = 0; i < n; ++i) {
    long long lo = blc.empty() ? 0 : blc[i];
    long long hi = trc.empty() ? shape[i] - 1 : trc[i];
    long long step = inc.empty() ? 1 : inc[i];
    if (lo < 0 || lo >= shape[i]) throw Napi::RangeError::New(env, "blc " + positionText(blc) + " is outside the image's shape " + positionText(shape) + " on axis " + std::to_string(i));
    if (hi < lo || hi >= shape[i]) {
      throw Napi::RangeError::New(env, "trc " + positionText(trc) + " is outside the image's shape " + positionText(shape) + " or below blc on axis " + std::to_string(i));
    }
    if (step < 1) throw Napi::RangeError::New(env, "inc " + positionText(inc) + " must be at least 1 on every axis");
    b.blc[i] = lo;
    b.trc[i] = hi;
    b.inc[i] = step;
    b.outShape[i] = (hi - lo) / step + 1;
    if (lo != 0 || hi != shape[i] - 1 || step != 1) b.whole = false;
    b.count *= static_cast<size_t>(b.outShape[i]);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Workers: a promise each; the message of a failure starts with the image's path. Pixel memory is
// taken (and first touched) in the worker, from the buffer pool (native/common/buffer-pool.h: fresh
// pages are slow on these machines, a new 1 MB plane costs more to fault in than to read from
// casacore), and handed to JavaScript as an external ArrayBuffer.

using jovial::PromiseWorker;

class SliceWorker : public PromiseWorker {
 public:
  SliceWorker(Napi::Env env, StatePtr state, Box box, bool mask)
      : PromiseWorker(env, "jovial_casa.image", state->path), state_(std::move(state)), box_(std::move(box)), mask_(mask) {}

 protected:
  void Run() override {
    casacore::Slicer slicer(box_.blc, box_.trc, box_.inc, casacore::Slicer::endIsLast);
    ImageLock lock(*state_);
    if (mask_) {
      visitAny(*state_, [&](auto& img) {
        if (!img.isMasked()) return 0;
        hasMask_ = true;
        buffer_.allocate(box_.count);
        static_assert(sizeof(Bool) == 1, "casacore's Bool is one byte");
        casacore::Array<Bool> arr(box_.outShape, static_cast<Bool*>(buffer_.data()), casacore::SHARE);
        img.getMaskSlice(arr, slicer, false);
        if (arr.data() != static_cast<Bool*>(buffer_.data())) copyOut(arr);
        return 0;
      });
      return;
    }
    visitReal(*state_, [&](auto& img) {
      using T = PixelType<std::decay_t<decltype(img)>>;
      double64_ = std::is_same<T, Double>::value;
      buffer_.allocate(box_.count * sizeof(T));
      // casacore reads straight into the typed array's memory when the shapes match.
      casacore::Array<T> arr(box_.outShape, static_cast<T*>(buffer_.data()), casacore::SHARE);
      img.getSlice(arr, slicer, false);
      if (arr.data() != static_cast<T*>(buffer_.data())) copyOut(arr);
      return 0;
    });
  }

  template <typename T>
  void copyOut(const casacore::Array<T>& arr) {
    if (arr.shape() != box_.outShape) throw casacore::AipsError("casacore returned a slice of shape " + positionText(arr.shape()) + ", not " + positionText(box_.outShape));
    T* out = static_cast<T*>(buffer_.data());
    size_t i = 0;
    for (auto it = arr.begin(); it != arr.end(); ++it) out[i++] = *it;
  }

  // Wraps the worker's memory in a typed array without copying.
  Napi::Value Result(Napi::Env env) override {
    if (mask_) {
      if (!hasMask_) return env.Null();
      return Napi::Uint8Array::New(env, box_.count, buffer_.toArrayBuffer(env), 0);
    }
    if (double64_) return Napi::Float64Array::New(env, box_.count, buffer_.toArrayBuffer(env), 0);
    return Napi::Float32Array::New(env, box_.count, buffer_.toArrayBuffer(env), 0);
  }

 private:
  StatePtr state_;
  Box box_;
  bool mask_;
  bool hasMask_ = false;
  bool double64_ = false;
  jovial::PooledBuffer buffer_;
};

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

class PutWorker : public PromiseWorker {
 public:
  PutWorker(Napi::Env env, StatePtr state, Napi::TypedArray data, IPosition where, IPosition shape)
      : PromiseWorker(env, "jovial_casa.image", state->path), state_(std::move(state)), where_(std::move(where)), shape_(std::move(shape)) {
    ref_ = Napi::Persistent(data.As<Napi::Object>());
    float32_ = data.TypedArrayType() == napi_float32_array;
    raw_ = static_cast<uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
    count_ = data.ElementLength();
  }

 protected:
  void Run() override {
    ImageLock lock(*state_);
    visitReal(*state_, [&](auto& img) {
      using T = PixelType<std::decay_t<decltype(img)>>;
      if (!img.isWritable()) throw casacore::AipsError("the image is not writable (putSlice writes images made by createImage)");
      bool same = (std::is_same<T, Float>::value && float32_) || (std::is_same<T, Double>::value && !float32_);
      if (same) {
        const casacore::Array<T> arr(shape_, reinterpret_cast<T*>(raw_), casacore::SHARE);
        img.putSlice(arr, where_);
      } else {
        casacore::Array<T> arr(shape_);
        T* out = arr.data();
        if (float32_) {
          const float* in = reinterpret_cast<const float*>(raw_);
          for (size_t i = 0; i < count_; ++i) out[i] = static_cast<T>(in[i]);
        } else {
          const double* in = reinterpret_cast<const double*>(raw_);
          for (size_t i = 0; i < count_; ++i) out[i] = static_cast<T>(in[i]);
        }
        img.putSlice(arr, where_);
      }
      img.flush();
      return 0;
    });
  }

 private:
  StatePtr state_;
  IPosition where_, shape_;
  Napi::ObjectReference ref_;
  bool float32_ = true;
  uint8_t* raw_ = nullptr;
  size_t count_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Coordinates as JSON (main thread, from the cached system: no lock).

Napi::Array numbersJs(Napi::Env env, const casacore::Vector<Double>& v) {
  Napi::Array a = Napi::Array::New(env, v.nelements());
  for (uInt i = 0; i < v.nelements(); ++i) a.Set(i, Napi::Number::New(env, v[i]));
  return a;
}

Napi::Array intsJs(Napi::Env env, const casacore::Vector<Int>& v) {
  Napi::Array a = Napi::Array::New(env, v.nelements());
  for (uInt i = 0; i < v.nelements(); ++i) a.Set(i, Napi::Number::New(env, v[i]));
  return a;
}

Napi::Array stringsJs(Napi::Env env, const casacore::Vector<casacore::String>& v) {
  Napi::Array a = Napi::Array::New(env, v.nelements());
  for (uInt i = 0; i < v.nelements(); ++i) a.Set(i, Napi::String::New(env, v[i]));
  return a;
}

Napi::Object coordinatesJs(Napi::Env env, const casacore::CoordinateSystem& cs) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array coords = Napi::Array::New(env, cs.nCoordinates());
  for (uInt i = 0; i < cs.nCoordinates(); ++i) {
    const casacore::Coordinate& c = cs.coordinate(i);
    Napi::Object o = Napi::Object::New(env);
    const char* type = "linear";
    switch (c.type()) {
      case casacore::Coordinate::DIRECTION:
        type = "direction";
        break;
      case casacore::Coordinate::SPECTRAL:
        type = "spectral";
        break;
      case casacore::Coordinate::STOKES:
        type = "stokes";
        break;
      case casacore::Coordinate::TABULAR:
        type = "tabular";
        break;
      default:
        type = "linear";
        break;
    }
    o.Set("type", type);
    o.Set("pixelAxes", intsJs(env, cs.pixelAxes(i)));
    o.Set("worldAxes", intsJs(env, cs.worldAxes(i)));
    o.Set("names", stringsJs(env, c.worldAxisNames()));
    o.Set("units", stringsJs(env, c.worldAxisUnits()));
    o.Set("referenceValue", numbersJs(env, c.referenceValue()));
    o.Set("referencePixel", numbersJs(env, c.referencePixel()));
    o.Set("increment", numbersJs(env, c.increment()));
    if (c.type() == casacore::Coordinate::DIRECTION) {
      const casacore::DirectionCoordinate& dc = cs.directionCoordinate(i);
      o.Set("frame", std::string(casacore::MDirection::showType(dc.directionType())));
      o.Set("projection", std::string(dc.projection().name()));
      // What a FITS header needs besides CDELT to give the same world coordinates: the projection's
      // parameters (FITS PV2_m, e.g. SIN's for an NCP image) and the rotation (casacore's linear
      // transform, which is FITS's PC transposed).
      o.Set("projectionParameters", numbersJs(env, dc.projection().parameters()));
      casacore::Matrix<casacore::Double> pc = dc.linearTransform();
      Napi::Array rows = Napi::Array::New(env, pc.nrow());
      for (uInt r = 0; r < pc.nrow(); ++r) {
        Napi::Array row = Napi::Array::New(env, pc.ncolumn());
        for (uInt k = 0; k < pc.ncolumn(); ++k) row.Set(k, pc(r, k));
        rows.Set(r, row);
      }
      o.Set("linearTransform", rows);
    } else if (c.type() == casacore::Coordinate::SPECTRAL) {
      const casacore::SpectralCoordinate& sc = cs.spectralCoordinate(i);
      o.Set("frame", std::string(casacore::MFrequency::showType(sc.frequencySystem())));
      o.Set("restFrequency", sc.restFrequency());
      o.Set("doppler", std::string(casacore::MDoppler::showType(sc.velocityDoppler())));
    } else if (c.type() == casacore::Coordinate::STOKES) {
      const casacore::StokesCoordinate& sc = cs.stokesCoordinate(i);
      casacore::Vector<Int> st = sc.stokes();
      Napi::Array names = Napi::Array::New(env, st.nelements());
      for (uInt k = 0; k < st.nelements(); ++k) names.Set(k, std::string(casacore::Stokes::name(casacore::Stokes::type(st[k]))));
      o.Set("stokes", names);
    }
    coords.Set(i, o);
  }
  out.Set("coordinates", coords);
  out.Set("worldAxisNames", stringsJs(env, cs.worldAxisNames()));
  out.Set("worldAxisUnits", stringsJs(env, cs.worldAxisUnits()));
  const casacore::ObsInfo& oi = cs.obsInfo();
  if (!oi.telescope().empty()) out.Set("telescope", std::string(oi.telescope()));
  if (!oi.observer().empty()) out.Set("observer", std::string(oi.observer()));
  casacore::MEpoch date = oi.obsDate();
  if (date.getValue().get() != 0) {
    double mjd = casacore::MEpoch::Convert(date, casacore::MEpoch::UTC)().getValue().get();
    out.Set("epoch", mjd);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Coordinates from JSON (createImage).

std::vector<double> doublesFrom(Napi::Env env, Napi::Object o, const char* key, const std::string& where, size_t n, bool required) {
  Napi::Value v = o.Get(key);
  std::vector<double> out;
  if (v.IsUndefined() || v.IsNull()) {
    if (required) throw Napi::TypeError::New(env, where + "." + key + " is missing");
    return out;
  }
  if (!v.IsArray()) throw Napi::TypeError::New(env, where + "." + key + " must be an array of numbers");
  Napi::Array a = v.As<Napi::Array>();
  if (n && a.Length() != n) throw Napi::RangeError::New(env, where + "." + key + " must have " + std::to_string(n) + " values, not " + std::to_string(a.Length()));
  for (uint32_t i = 0; i < a.Length(); ++i) {
    double x = numberAt(env, a.Get(i), where + "." + key + "[" + std::to_string(i) + "]");
    if (!std::isfinite(x)) throw Napi::RangeError::New(env, where + "." + key + "[" + std::to_string(i) + "] must be finite");
    out.push_back(x);
  }
  return out;
}

std::vector<std::string> stringsFrom(Napi::Env env, Napi::Object o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  std::vector<std::string> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray()) throw Napi::TypeError::New(env, where + "." + key + " must be an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    if (!a.Get(i).IsString()) throw Napi::TypeError::New(env, where + "." + key + "[" + std::to_string(i) + "] must be a string");
    out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  }
  return out;
}

std::string stringFrom(Napi::Object o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

// value in `unit` converted to `target` (unit names as casacore knows them).
double inUnit(double value, const std::string& unit, const char* target) {
  if (unit.empty() || unit == target) return value;
  casacore::Quantity q(value, casacore::Unit(unit));
  if (!q.isConform(casacore::Unit(target))) throw casacore::AipsError("unit " + unit + " is not convertible to " + target);
  return q.getValue(casacore::Unit(target));
}

casacore::Matrix<Double> identity(size_t n) {
  casacore::Matrix<Double> m(n, n, 0.0);
  for (size_t i = 0; i < n; ++i) m(i, i) = 1.0;
  return m;
}

casacore::CoordinateSystem coordinatesFromJs(Napi::Env env, Napi::Object json, const IPosition& shape) {
  casacore::CoordinateSystem cs;
  Napi::Value list = json.Get("coordinates");
  if (!list.IsArray()) throw Napi::TypeError::New(env, "options.coordinates.coordinates must be an array of coordinates");
  Napi::Array coords = list.As<Napi::Array>();
  std::vector<std::vector<double>> pixelAxesOf, worldAxesOf;
  uInt nPixel = 0;
  for (uint32_t i = 0; i < coords.Length(); ++i) {
    std::string where = "coordinates[" + std::to_string(i) + "]";
    if (!coords.Get(i).IsObject()) throw Napi::TypeError::New(env, where + " must be an object");
    Napi::Object c = coords.Get(i).As<Napi::Object>();
    std::string type = stringFrom(c, "type", "");
    std::vector<std::string> units = stringsFrom(env, c, "units", where);
    auto unitAt = [&](size_t k) { return k < units.size() ? units[k] : std::string(); };
    if (type == "direction") {
      auto ref = doublesFrom(env, c, "referenceValue", where, 2, true);
      auto inc = doublesFrom(env, c, "increment", where, 2, true);
      auto pix = doublesFrom(env, c, "referencePixel", where, 2, true);
      casacore::MDirection::Types frame;
      std::string frameName = stringFrom(c, "frame", "J2000");
      if (!casacore::MDirection::getType(frame, frameName)) throw Napi::Error::New(env, where + ".frame: unknown direction frame " + frameName);
      std::string projName = stringFrom(c, "projection", "SIN");
      casacore::Projection::Type proj = casacore::Projection::type(projName);
      if (proj == casacore::Projection::N_PROJ) throw Napi::Error::New(env, where + ".projection: unknown projection " + projName);
      casacore::DirectionCoordinate dc(frame, casacore::Projection(proj), inUnit(ref[0], unitAt(0), "rad"), inUnit(ref[1], unitAt(1), "rad"),
                                       inUnit(inc[0], unitAt(0), "rad"), inUnit(inc[1], unitAt(1), "rad"), identity(2), pix[0], pix[1]);
      cs.addCoordinate(dc);
      nPixel += 2;
    } else if (type == "spectral") {
      auto ref = doublesFrom(env, c, "referenceValue", where, 1, true);
      auto inc = doublesFrom(env, c, "increment", where, 1, true);
      auto pix = doublesFrom(env, c, "referencePixel", where, 1, true);
      casacore::MFrequency::Types frame;
      std::string frameName = stringFrom(c, "frame", "LSRK");
      if (!casacore::MFrequency::getType(frame, frameName)) throw Napi::Error::New(env, where + ".frame: unknown frequency frame " + frameName);
      double rest = 0;
      Napi::Value rv = c.Get("restFrequency");
      if (rv.IsNumber()) rest = rv.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(rest) || rest < 0) throw Napi::RangeError::New(env, where + ".restFrequency must be a non-negative number of Hz");
      casacore::SpectralCoordinate sc(frame, inUnit(ref[0], unitAt(0), "Hz"), inUnit(inc[0], unitAt(0), "Hz"), pix[0], rest);
      std::string dopplerName = stringFrom(c, "doppler", "RADIO");
      casacore::MDoppler::Types doppler;
      if (!casacore::MDoppler::getType(doppler, dopplerName)) throw Napi::Error::New(env, where + ".doppler: unknown doppler convention " + dopplerName);
      sc.setVelocity("km/s", doppler);
      cs.addCoordinate(sc);
      nPixel += 1;
    } else if (type == "stokes") {
      std::vector<std::string> names = stringsFrom(env, c, "stokes", where);
      casacore::Vector<Int> which(names.size());
      for (size_t k = 0; k < names.size(); ++k) {
        casacore::Stokes::StokesTypes t = casacore::Stokes::type(names[k]);
        if (t == casacore::Stokes::Undefined) throw Napi::Error::New(env, where + ".stokes: unknown polarization " + names[k]);
        which[k] = Int(t);
      }
      if (names.empty()) {
        // From referenceValue/increment/referencePixel along the axis's length.
        auto ref = doublesFrom(env, c, "referenceValue", where, 1, true);
        auto inc = doublesFrom(env, c, "increment", where, 1, true);
        auto pix = doublesFrom(env, c, "referencePixel", where, 1, true);
        if (nPixel >= shape.nelements()) throw Napi::RangeError::New(env, "the coordinates have more pixel axes than the shape");
        which.resize(shape[nPixel]);
        for (Int k = 0; k < Int(which.nelements()); ++k) which[k] = Int(std::lround(ref[0] + (k - pix[0]) * inc[0]));
      }
      if (which.empty()) throw Napi::Error::New(env, where + ".stokes is empty");
      cs.addCoordinate(casacore::StokesCoordinate(which));
      nPixel += 1;
    } else if (type == "linear") {
      auto ref = doublesFrom(env, c, "referenceValue", where, 0, true);
      size_t n = ref.size();
      if (n == 0) throw Napi::Error::New(env, where + ".referenceValue is empty");
      auto inc = doublesFrom(env, c, "increment", where, n, true);
      auto pix = doublesFrom(env, c, "referencePixel", where, n, true);
      std::vector<std::string> names = stringsFrom(env, c, "names", where);
      casacore::Vector<casacore::String> nameV(n), unitV(n);
      for (size_t k = 0; k < n; ++k) {
        nameV[k] = k < names.size() ? names[k] : "Axis" + std::to_string(nPixel + k + 1);
        unitV[k] = unitAt(k);
      }
      casacore::Vector<Double> refV(n), incV(n), pixV(n);
      for (size_t k = 0; k < n; ++k) refV[k] = ref[k], incV[k] = inc[k], pixV[k] = pix[k];
      cs.addCoordinate(casacore::LinearCoordinate(nameV, unitV, refV, incV, identity(n), pixV));
      nPixel += uInt(n);
    } else {
      throw Napi::Error::New(env, where + ".type must be direction, spectral, stokes or linear (not \"" + type + "\")");
    }
    pixelAxesOf.push_back(doublesFrom(env, c, "pixelAxes", where, 0, false));
    worldAxesOf.push_back(doublesFrom(env, c, "worldAxes", where, 0, false));
  }
  if (nPixel != shape.nelements()) {
    throw Napi::RangeError::New(env, "the coordinates have " + std::to_string(nPixel) + " pixel axes, the shape " + std::to_string(shape.nelements()));
  }
  // The axes' order as pixelAxes/worldAxes give it (coordinates() of a FITS image often has the
  // Stokes coordinate before the spectral one, on pixel axes 3 and 2).
  casacore::Vector<Int> worldOrder(nPixel, -1), pixelOrder(nPixel, -1);
  bool given = true, natural = true;
  for (uInt i = 0; i < cs.nCoordinates() && given; ++i) {
    casacore::Vector<Int> w = cs.worldAxes(i), p = cs.pixelAxes(i);
    if (pixelAxesOf[i].empty() && worldAxesOf[i].empty()) {
      given = false;  // the axes in the coordinates' order
      break;
    }
    if (pixelAxesOf[i].size() != p.nelements() || worldAxesOf[i].size() != w.nelements()) {
      throw Napi::RangeError::New(env, "coordinates[" + std::to_string(i) + "]: pixelAxes/worldAxes do not match the coordinate's number of axes");
    }
    for (uInt k = 0; k < p.nelements(); ++k) {
      double np = pixelAxesOf[i][k], nw = worldAxesOf[i][k];
      if (np < 0 || np >= nPixel || np != std::floor(np) || nw < 0 || nw >= nPixel || nw != std::floor(nw)) {
        throw Napi::RangeError::New(env, "coordinates[" + std::to_string(i) + "]: pixelAxes/worldAxes must be axis numbers from 0 to " + std::to_string(nPixel - 1));
      }
      if (pixelOrder[Int(np)] != -1 || worldOrder[Int(nw)] != -1) throw Napi::RangeError::New(env, "coordinates[" + std::to_string(i) + "]: an axis is used twice in pixelAxes/worldAxes");
      pixelOrder[Int(np)] = p[k];
      worldOrder[Int(nw)] = w[k];
      if (Int(np) != p[k] || Int(nw) != w[k]) natural = false;
    }
  }
  if (given && !natural) {
    cs.transpose(worldOrder, pixelOrder);
  }
  // A Stokes axis must be as long as its list of polarizations.
  for (uInt i = 0; i < cs.nCoordinates(); ++i) {
    if (cs.type(i) != casacore::Coordinate::STOKES) continue;
    Int axis = cs.pixelAxes(i)[0];
    uInt n = cs.stokesCoordinate(i).stokes().nelements();
    if (IPosition::value_type(n) != shape[axis]) {
      throw Napi::RangeError::New(env, "the Stokes coordinate lists " + std::to_string(n) + " polarizations; axis " + std::to_string(axis) + " has " + std::to_string(shape[axis]) + " pixels");
    }
  }
  casacore::ObsInfo oi;
  if (json.Get("telescope").IsString()) oi.setTelescope(json.Get("telescope").As<Napi::String>().Utf8Value());
  if (json.Get("observer").IsString()) oi.setObserver(json.Get("observer").As<Napi::String>().Utf8Value());
  if (json.Get("epoch").IsNumber()) {
    double mjd = json.Get("epoch").As<Napi::Number>().DoubleValue();
    if (!std::isfinite(mjd)) throw Napi::RangeError::New(env, "coordinates.epoch must be a finite MJD");
    oi.setObsDate(casacore::MEpoch(casacore::Quantity(mjd, "d"), casacore::MEpoch::UTC));
  }
  cs.setObsInfo(oi);
  return cs;
}

// ---------------------------------------------------------------------------------------------
// The handle.

// Pixel to world (or back) for many points, one column each, coordinate by coordinate: casacore's
// CoordinateSystem::toWorldMany drops the per-point failures, and DirectionCoordinate::toWorldMany
// leaves every point in degrees when one fails; here a coordinate whose batch fails is redone point
// by point, and a point it cannot convert gets NaN on that coordinate's axes only.
void convertMany(const casacore::CoordinateSystem& cs, bool toWorld, const casacore::Matrix<Double>& src, casacore::Matrix<Double>& dst) {
  const size_t n = src.ncolumn();
  const uInt nOut = toWorld ? cs.nWorldAxes() : cs.nPixelAxes();
  dst.resize(nOut, n);
  dst = kNaN;
  bool removed = false;
  for (uInt k = 0; k < cs.nCoordinates(); ++k) {
    removed = removed || casacore::anyLT(cs.pixelAxes(k), 0) || casacore::anyLT(cs.worldAxes(k), 0);
  }
  if (removed) {
    // Removed axes need the system's replacement values: its own per-point conversion.
    casacore::Vector<Double> in(src.nrow()), out;
    for (size_t j = 0; j < n; ++j) {
      in = src.column(j);
      bool ok = toWorld ? cs.toWorld(out, in) : cs.toPixel(out, in);
      if (ok) dst.column(j) = out;
    }
    return;
  }
  for (uInt k = 0; k < cs.nCoordinates(); ++k) {
    casacore::Vector<Int> inAxes = toWorld ? cs.pixelAxes(k) : cs.worldAxes(k);
    casacore::Vector<Int> outAxes = toWorld ? cs.worldAxes(k) : cs.pixelAxes(k);
    const casacore::Coordinate& c = cs.coordinate(k);
    casacore::Matrix<Double> in(inAxes.nelements(), n), out(outAxes.nelements(), n);
    for (uInt a = 0; a < inAxes.nelements(); ++a) in.row(a) = src.row(inAxes[a]);
    casacore::Vector<Bool> failures;
    bool ok = toWorld ? c.toWorldMany(out, in, failures) : c.toPixelMany(out, in, failures);
    if (!ok) {
      casacore::Vector<Double> v, r;
      for (size_t j = 0; j < n; ++j) {
        v = in.column(j);
        if (toWorld ? c.toWorld(r, v) : c.toPixel(r, v)) {
          out.column(j) = r;
        } else {
          out.column(j) = kNaN;
        }
      }
    }
    for (uInt a = 0; a < outAxes.nelements(); ++a) dst.row(outAxes[a]) = out.row(a);
  }
}

Napi::Object beamJs(Napi::Env env, const casacore::GaussianBeam& b) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("major", b.getMajor("arcsec"));
  o.Set("minor", b.getMinor("arcsec"));
  o.Set("pa", b.getPA(false).getValue("deg"));  // as stored (CASA shows it so), not unwrapped to ±90
  return o;
}

class ImageHandle : public Napi::ObjectWrap<ImageHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ImageHandle",
                       {
                           InstanceMethod<&ImageHandle::Coordinates>("coordinates"),
                           InstanceMethod<&ImageHandle::Unit>("unit"),
                           InstanceMethod<&ImageHandle::Beams>("beams"),
                           InstanceMethod<&ImageHandle::MaskNames>("maskNames"),
                           InstanceMethod<&ImageHandle::DefaultMask>("defaultMask"),
                           InstanceMethod<&ImageHandle::MiscInfo>("miscInfo"),
                           InstanceMethod<&ImageHandle::History>("history"),
                           InstanceMethod<&ImageHandle::GetSlice>("getSlice"),
                           InstanceMethod<&ImageHandle::GetMask>("getMask"),
                           InstanceMethod<&ImageHandle::ToWorld>("toWorld"),
                           InstanceMethod<&ImageHandle::ToPixel>("toPixel"),
                           InstanceMethod<&ImageHandle::Statistics>("statistics"),
                           InstanceMethod<&ImageHandle::PutSlice>("putSlice"),
                           InstanceMethod<&ImageHandle::Close>("close"),
                       });
  }

  ImageHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ImageHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(env, "ImageHandle: use openImage() or createImage()");
    state_ = *info[0].As<Napi::External<StatePtr>>().Data();
    const ImageState& s = *state_;
    Napi::Object self = info.This().As<Napi::Object>();
    Napi::Array shape = Napi::Array::New(env, s.shape.nelements());
    for (uInt i = 0; i < s.shape.nelements(); ++i) shape.Set(i, Napi::Number::New(env, double(s.shape[i])));
    self.DefineProperties({
        Napi::PropertyDescriptor::Value("path", Napi::String::New(env, s.path), napi_enumerable),
        Napi::PropertyDescriptor::Value("shape", shape, napi_enumerable),
        Napi::PropertyDescriptor::Value("dataType", Napi::String::New(env, dataTypeName(s.dataType)), napi_enumerable),
        Napi::PropertyDescriptor::Value("imageType", Napi::String::New(env, s.imageType), napi_enumerable),
    });
  }

 private:
  // The open state, or an Error naming the path when closed.
  StatePtr open(Napi::Env env) {
    if (!state_) throw Napi::Error::New(env, path_ + ": the image is closed");
    path_ = state_->path;
    return state_;
  }

  Napi::Value Coordinates(const Napi::CallbackInfo& info) {
    StatePtr s = open(info.Env());
    return withContext(info.Env(), s->path, [&] { return coordinatesJs(info.Env(), s->cs); });
  }

  Napi::Value Unit(const Napi::CallbackInfo& info) {
    StatePtr s = open(info.Env());
    return Napi::String::New(info.Env(), s->unit);
  }

  Napi::Value Beams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    return withContext(env, s->path, [&]() -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      const casacore::ImageInfo& ii = s->info;
      o.Set("single", env.Null());
      o.Set("perPlane", env.Null());
      o.Set("nchan", 0);
      o.Set("nstokes", 0);
      if (ii.hasSingleBeam()) {
        o.Set("single", beamJs(env, ii.restoringBeam()));
        o.Set("nchan", 1);
        o.Set("nstokes", 1);
      } else if (ii.hasMultipleBeams()) {
        const casacore::ImageBeamSet& set = ii.getBeamSet();
        uInt nchan = set.nchan(), nstokes = set.nstokes();
        // Channel fastest: perPlane[stokes * nchan + chan].
        Napi::Array planes = Napi::Array::New(env, size_t(nchan) * nstokes);
        for (uInt p = 0; p < nstokes; ++p)
          for (uInt ch = 0; ch < nchan; ++ch) planes.Set(p * nchan + ch, beamJs(env, set.getBeam(Int(ch), Int(p))));
        o.Set("perPlane", planes);
        o.Set("nchan", nchan);
        o.Set("nstokes", nstokes);
      }
      return o;
    });
  }

  Napi::Value MaskNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    casacore::Vector<casacore::String> names = withContext(env, s->path, [&] {
      ImageLock lock(*s);
      return visitAny(*s, [&](auto& img) { return img.regionNames(casacore::RegionHandler::Masks); });
    });
    return stringsJs(env, names);
  }

  Napi::Value DefaultMask(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    std::string name = withContext(env, s->path, [&] {
      ImageLock lock(*s);
      return std::string(visitAny(*s, [&](auto& img) { return img.getDefaultMask(); }));
    });
    return Napi::String::New(env, name);
  }

  Napi::Value MiscInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    return withContext(env, s->path, [&] {
      casacore::TableRecord record;
      {
        ImageLock lock(*s);
        record = visitAny(*s, [&](auto& img) { return casacore::TableRecord(img.miscInfo()); });
      }
      return recordToJs(env, record);
    });
  }

  Napi::Value History(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    std::vector<std::string> lines = withContext(env, s->path, [&] {
      std::vector<std::string> out;
      ImageLock lock(*s);
      visitAny(*s, [&](auto& img) {
        const casacore::LoggerHolder& logger = img.logger();
        for (auto it = logger.begin(); it != logger.end(); ++it) out.push_back(it->message());
        return 0;
      });
      return out;
    });
    Napi::Array a = Napi::Array::New(env, lines.size());
    for (size_t i = 0; i < lines.size(); ++i) a.Set(uint32_t(i), lines[i]);
    return a;
  }

  // A promise rejected with an Error naming the path when the arguments are wrong.
  template <typename F>
  static Napi::Value promised(Napi::Env env, const std::string& context, F&& start) {
    return jovial::promised(env, context, std::forward<F>(start), JsErrors::kWithContext);
  }

  Napi::Value slice(const Napi::CallbackInfo& info, bool mask) {
    Napi::Env env = info.Env();
    if (!state_) return promised(env, path_, [&]() -> Napi::Value { throw Napi::Error::New(env, "the image is closed"); });
    StatePtr s = state_;
    return promised(env, s->path, [&]() -> Napi::Value {
      if (!mask && s->dataType != casacore::TpFloat && s->dataType != casacore::TpDouble) {
        throw Napi::Error::New(env, std::string("pixels of ") + dataTypeName(s->dataType) + " images cannot be read here (float and double only)");
      }
      Box box = parseBox(env, s->shape, info[0], info[1], info[2], true);
      return (new SliceWorker(env, s, std::move(box), mask))->Start();
    });
  }

  Napi::Value GetSlice(const Napi::CallbackInfo& info) { return slice(info, false); }
  Napi::Value GetMask(const Napi::CallbackInfo& info) { return slice(info, true); }

  // Per-axis Float64Arrays of n points through toWorldMany / toPixelMany; points with a non-finite
  // input or that casacore cannot convert come back as NaN.
  Napi::Value convert(const Napi::CallbackInfo& info, bool toWorld) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    return withContext(env, s->path, [&]() -> Napi::Value {
      casacore::CoordinateSystem& cs = s->cs;
      uInt nIn = toWorld ? cs.nPixelAxes() : cs.nWorldAxes();
      uInt nOut = toWorld ? cs.nWorldAxes() : cs.nPixelAxes();
      const char* what = toWorld ? "toWorld: pixel" : "toPixel: world";
      if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of " + std::to_string(nIn) + " Float64Arrays");
      Napi::Array arr = info[0].As<Napi::Array>();
      if (arr.Length() != nIn) throw Napi::RangeError::New(env, std::string(what) + " has " + std::to_string(arr.Length()) + " axes; the image has " + std::to_string(nIn));
      std::vector<Napi::Float64Array> in;
      size_t n = 0;
      for (uInt a = 0; a < nIn; ++a) {
        Napi::Value v = arr.Get(a);
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
          throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(a) + "] must be a Float64Array");
        }
        in.push_back(v.As<Napi::Float64Array>());
        if (a == 0) n = in[0].ElementLength();
        if (in[a].ElementLength() != n) throw Napi::RangeError::New(env, std::string(what) + " arrays differ in length");
      }
      std::vector<size_t> ok;
      ok.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        bool finite = true;
        for (uInt a = 0; a < nIn && finite; ++a) finite = std::isfinite(in[a][i]);
        if (finite) ok.push_back(i);
      }
      casacore::Matrix<Double> src(nIn, ok.size()), dst;
      for (size_t j = 0; j < ok.size(); ++j)
        for (uInt a = 0; a < nIn; ++a) src(a, j) = in[a][ok[j]];
      if (!ok.empty()) convertMany(cs, toWorld, src, dst);
      std::vector<Napi::Float64Array> out;
      Napi::Array result = Napi::Array::New(env, nOut);
      for (uInt a = 0; a < nOut; ++a) {
        out.push_back(Napi::Float64Array::New(env, n));
        double* p = out[a].Data();
        std::fill(p, p + n, kNaN);
        result.Set(a, out[a]);
      }
      for (size_t j = 0; j < ok.size(); ++j)
        for (uInt a = 0; a < nOut; ++a) out[a][ok[j]] = dst(a, j);
      return result;
    });
  }

  Napi::Value ToWorld(const Napi::CallbackInfo& info) { return convert(info, true); }
  Napi::Value ToPixel(const Napi::CallbackInfo& info) { return convert(info, false); }

  Napi::Value Statistics(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) return promised(env, path_, [&]() -> Napi::Value { throw Napi::Error::New(env, "the image is closed"); });
    StatePtr s = state_;
    return promised(env, s->path, [&]() -> Napi::Value {
      if (s->dataType != casacore::TpFloat && s->dataType != casacore::TpDouble) {
        throw Napi::Error::New(env, std::string("statistics of ") + dataTypeName(s->dataType) + " images are not supported (float and double only)");
      }
      Box box = parseBox(env, s->shape, info[0], info[1], env.Undefined(), false);
      return (new StatsWorker(env, s, std::move(box)))->Start();
    });
  }

  // putSlice(data, blc, shape?): without a shape the data covers the box from blc to the image's end
  // on every axis.
  Napi::Value PutSlice(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) return promised(env, path_, [&]() -> Napi::Value { throw Napi::Error::New(env, "the image is closed"); });
    StatePtr s = state_;
    return promised(env, s->path, [&]() -> Napi::Value {
      if (!s->writable) throw Napi::Error::New(env, "putSlice: the image is open read-only (putSlice writes images made by createImage)");
      if (s->dataType != casacore::TpFloat && s->dataType != casacore::TpDouble) throw Napi::Error::New(env, "putSlice: only float and double images are written here");
      if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "putSlice: data must be a Float32Array or a Float64Array");
      Napi::TypedArray data = info[0].As<Napi::TypedArray>();
      if (data.TypedArrayType() != napi_float32_array && data.TypedArrayType() != napi_float64_array) {
        throw Napi::TypeError::New(env, "putSlice: data must be a Float32Array or a Float64Array");
      }
      size_t n = s->shape.nelements();
      auto blc = intVector(env, info.Length() > 1 ? info[1] : env.Undefined(), n, "putSlice: blc", false);
      auto shp = intVector(env, info.Length() > 2 ? info[2] : env.Undefined(), n, "putSlice: shape", true);
      IPosition where(n), shape(n);
      size_t count = 1;
      for (size_t i = 0; i < n; ++i) {
        if (blc[i] < 0 || blc[i] >= s->shape[i]) throw Napi::RangeError::New(env, "putSlice: blc " + positionText(blc) + " is outside the image's shape " + positionText(s->shape));
        where[i] = blc[i];
        shape[i] = shp.empty() ? s->shape[i] - blc[i] : shp[i];
      }
      for (size_t i = 0; i < n; ++i) {
        if (shape[i] < 1 || blc[i] + shape[i] > s->shape[i]) {
          throw Napi::RangeError::New(env, "putSlice: a slice of shape " + positionText(shape) + " at " + positionText(blc) + " does not fit in the image's shape " + positionText(s->shape));
        }
        count *= size_t(shape[i]);
      }
      if (count != data.ElementLength()) {
        throw Napi::RangeError::New(env, "putSlice: the data has " + std::to_string(data.ElementLength()) + " values; a slice of shape " + positionText(shape) + " at " +
                                             positionText(blc) + " needs " + std::to_string(count) + (shp.empty() ? " (pass its shape as the third argument)" : ""));
      }
      return (new PutWorker(env, s, data, where, shape))->Start();
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (state_) path_ = state_->path;
    state_.reset();  // workers in flight keep the image until they finish
    return info.Env().Undefined();
  }

  StatePtr state_;
  std::string path_;
};

// One constructor per environment (main thread and worker threads each load the addon).
std::mutex constructorsMutex;
std::map<napi_env, Napi::FunctionReference*> constructors;

Napi::Object wrapState(Napi::Env env, StatePtr state) {
  Napi::FunctionReference* ctor = nullptr;
  {
    std::lock_guard<std::mutex> lock(constructorsMutex);
    auto it = constructors.find(env);
    if (it != constructors.end()) ctor = it->second;
  }
  if (!ctor) throw Napi::Error::New(env, "jovial_casa: image handles are not initialized in this environment");
  return ctor->New({Napi::External<StatePtr>::New(env, &state)});
}

// ---------------------------------------------------------------------------------------------
// Module functions.

std::string pathArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + what + " must be a string");
  std::string p = info[i].As<Napi::String>().Utf8Value();
  if (p.empty()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + what + " is empty");
  return p;
}

Napi::Value OpenImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = pathArg(info, 0, "openImage", "path");
  std::string key = absoluteKey(path);
  std::mutex* mutex = &tableMutex(key);
  StatePtr state = withContext(env, path, [&] {
    std::lock_guard<std::mutex> lock(*mutex);
    return buildState(path, key, mutex, openLattice(path), false);
  });
  return wrapState(env, std::move(state));
}

IPosition shapeArg(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, path + ": shape must be an array of positive integers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() == 0) throw Napi::RangeError::New(env, path + ": shape is empty");
  IPosition shape(a.Length());
  double total = 1;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    double n = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 1) || n != std::floor(n) || n > 2147483647.0) throw Napi::RangeError::New(env, path + ": shape[" + std::to_string(i) + "] must be a positive integer");
    shape[i] = static_cast<long long>(n);
    total *= n;
  }
  if (total > 9.0e15) throw Napi::RangeError::New(env, path + ": shape is too large");
  return shape;
}

Napi::Value CreateImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = pathArg(info, 0, "createImage", "path");
  IPosition shape = shapeArg(env, info.Length() > 1 ? info[1] : env.Undefined(), path);
  if (info.Length() < 3 || !info[2].IsObject()) throw Napi::TypeError::New(env, path + ": createImage needs options { coordinates, unit?, beam?, overwrite? }");
  Napi::Object opts = info[2].As<Napi::Object>();
  std::string key = absoluteKey(path);
  std::mutex* mutex = &tableMutex(key);
  casacore::CoordinateSystem cs;
  std::string unit;
  bool overwrite = false, hasBeam = false;
  double bmaj = 0, bmin = 0, bpa = 0;
  withContext(env, path, [&] {
    if (!opts.Get("coordinates").IsObject()) throw Napi::TypeError::New(env, "options.coordinates must be a coordinate system (as coordinates() gives one)");
    cs = coordinatesFromJs(env, opts.Get("coordinates").As<Napi::Object>(), shape);
    if (opts.Get("unit").IsString()) unit = opts.Get("unit").As<Napi::String>().Utf8Value();
    overwrite = opts.Get("overwrite").IsBoolean() && opts.Get("overwrite").As<Napi::Boolean>().Value();
    Napi::Value beam = opts.Get("beam");
    if (beam.IsObject()) {
      Napi::Object b = beam.As<Napi::Object>();
      bmaj = numberAt(env, b.Get("major"), "options.beam.major");
      bmin = numberAt(env, b.Get("minor"), "options.beam.minor");
      bpa = numberAt(env, b.Get("pa"), "options.beam.pa");
      if (!(bmaj > 0) || !(bmin > 0) || !std::isfinite(bmaj) || !std::isfinite(bmin) || !std::isfinite(bpa) || bmin > bmaj) {
        throw Napi::RangeError::New(env, "options.beam: major and minor must be positive arcsec with minor <= major, pa finite degrees");
      }
      hasBeam = true;
    } else if (!beam.IsUndefined() && !beam.IsNull()) {
      throw Napi::TypeError::New(env, "options.beam must be { major, minor, pa }");
    }
    if (!unit.empty()) {
      // casacore accepts unknown units silently; say so early instead.
      casacore::UnitVal check;
      if (!casacore::UnitVal::check(unit, check)) throw Napi::Error::New(env, "unknown unit " + unit);
    }
    return 0;
  });
  StatePtr state = withContext(env, path, [&] {
    std::lock_guard<std::mutex> lock(*mutex);
    casacore::File file(path);
    if (file.exists() && !overwrite) throw casacore::AipsError("already exists (pass overwrite: true to replace it)");
    std::unique_ptr<casacore::PagedImage<Float>> img(new casacore::PagedImage<Float>(casacore::TiledShape(shape), cs, path));
    if (!unit.empty()) img->setUnits(casacore::Unit(unit));
    if (hasBeam) {
      casacore::ImageInfo ii = img->imageInfo();
      ii.setRestoringBeam(casacore::GaussianBeam(casacore::Quantity(bmaj, "arcsec"), casacore::Quantity(bmin, "arcsec"), casacore::Quantity(bpa, "deg")));
      img->setImageInfo(ii);
    }
    img->flush();
    return buildState(path, key, mutex, std::move(img), true);
  });
  return wrapState(env, std::move(state));
}

// imageToFits / imageFromFits in a worker, holding the image's (and the FITS file's) mutex.
class FitsWorker : public PromiseWorker {
 public:
  FitsWorker(Napi::Env env, bool toFits, std::string image, std::string fits, bool overwrite)
      : PromiseWorker(env, "jovial_casa.image", toFits ? image : fits), toFits_(toFits), image_(std::move(image)), fits_(std::move(fits)), overwrite_(overwrite) {}

 protected:
  void Run() override {
    // Both paths' mutexes, in address order (the order every holder of several uses, see common.h).
    std::mutex* a = &tableMutex(image_);
    std::mutex* b = &tableMutex(fits_);
    if (a == b) throw casacore::AipsError("the image and the FITS file are the same file");
    if (b < a) std::swap(a, b);
    std::lock_guard<std::mutex> first(*a), second(*b);
    casacore::String error;
    if (toFits_) {
      if (!overwrite_ && casacore::File(fits_).exists()) throw casacore::AipsError(fits_ + " already exists (pass overwrite: true to replace it)");
      std::unique_ptr<casacore::LatticeBase> lattice = openLattice(image_);
      bool ok = false;
      if (auto* f = dynamic_cast<ImageInterface<Float>*>(lattice.get())) {
        ok = casacore::ImageFITSConverter::ImageToFITS(error, *f, fits_, 64, true, true, -32, 1.0, -1.0, overwrite_, false, false);
      } else if (auto* d = dynamic_cast<ImageInterface<Double>*>(lattice.get())) {
        // FITS output is float32: the image through a float expression, with its metadata.
        casacore::LatticeExpr<Float> expr(casacore::toFloat(casacore::LatticeExprNode(*d)));
        casacore::ImageExpr<Float> f(expr, "float(" + image_ + ")");
        f.setUnits(d->units());
        f.setImageInfo(d->imageInfo());
        f.setMiscInfo(d->miscInfo());
        ok = casacore::ImageFITSConverter::ImageToFITS(error, f, fits_, 64, true, true, -32, 1.0, -1.0, overwrite_, false, false);
      } else {
        throw casacore::AipsError(std::string("only float and double images can be written to FITS (this one is ") + dataTypeName(lattice->dataType()) + ")");
      }
      if (!ok) throw casacore::AipsError("writing " + fits_ + ": " + std::string(error));
    } else {
      if (!casacore::File(fits_).exists()) throw casacore::AipsError("no such file or directory");
      // casacore's FITS reader prints its complaints about a non-FITS file to stderr: check first.
      {
        char head[9] = {0};
        std::FILE* fp = std::fopen(fits_.c_str(), "rb");
        if (!fp) throw casacore::AipsError(std::string("cannot open: ") + std::strerror(errno));
        size_t got = std::fread(head, 1, sizeof head, fp);
        std::fclose(fp);
        if (got < sizeof head || std::memcmp(head, "SIMPLE  =", sizeof head) != 0) throw casacore::AipsError("not a FITS file (no SIMPLE keyword at its start)");
      }
      if (!overwrite_ && casacore::File(image_).exists()) throw casacore::AipsError(image_ + " already exists (pass overwrite: true to replace it)");
      ImageInterface<Float>* out = nullptr;
      bool ok = casacore::ImageFITSConverter::FITSToImage(out, error, image_, fits_, 0, 0, 64, overwrite_, false);
      std::unique_ptr<ImageInterface<Float>> owned(out);
      if (!ok || !out) throw casacore::AipsError("converting to " + image_ + ": " + std::string(error));
    }
  }

 private:
  bool toFits_;
  std::string image_, fits_;
  bool overwrite_;
};

Napi::Value fitsConversion(const Napi::CallbackInfo& info, bool toFits) {
  Napi::Env env = info.Env();
  const char* fn = toFits ? "imageToFits" : "imageFromFits";
  auto deferredError = [&](const std::string& msg) { return rejected(env, Napi::Error::New(env, msg)); };
  std::string first, second;
  try {
    first = pathArg(info, 0, fn, toFits ? "image" : "fits");
    second = pathArg(info, 1, fn, toFits ? "fits" : "image");
  } catch (const Napi::Error& e) {
    return deferredError(e.Message());
  }
  bool overwrite = false;
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Value o = info[2].As<Napi::Object>().Get("overwrite");
    overwrite = o.IsBoolean() && o.As<Napi::Boolean>().Value();
  }
  std::string image = toFits ? first : second, fits = toFits ? second : first;
  if (absoluteKey(image) == absoluteKey(fits)) return deferredError(first + ": the image and the FITS file are the same path");
  return (new FitsWorker(env, toFits, image, fits, overwrite))->Start();
}

Napi::Value ImageToFits(const Napi::CallbackInfo& info) { return fitsConversion(info, true); }
Napi::Value ImageFromFits(const Napi::CallbackInfo& info) { return fitsConversion(info, false); }

}  // namespace

void initImages(Napi::Env env, Napi::Object exports) {
  // casacore's tiled storage allocates a buffer per tile it reads (128 kB for CASA's usual tiles,
  // converted from the file's big-endian form) and frees it when the tile leaves its cache. At glibc's
  // initial threshold of 128 kB each is a fresh mmap whose pages fault in again, which made reading a
  // cube plane by plane 2x slower than python-casacore (whose process has raised the threshold). The
  // threshold pinned at 4 MB (within the range glibc's own adjustment reaches) once per process,
  // unless MALLOC_MMAP_THRESHOLD_ in the environment says otherwise.
  static std::once_flag mallocTuned;
  std::call_once(mallocTuned, [] {
    if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 4 << 20);
  });
  Napi::Function ctor = ImageHandle::Define(env);
  auto* ref = new Napi::FunctionReference(Napi::Persistent(ctor));
  napi_env raw = env;
  {
    std::lock_guard<std::mutex> lock(constructorsMutex);
    constructors[raw] = ref;
  }
  env.AddCleanupHook([raw, ref]() {
    {
      std::lock_guard<std::mutex> lock(constructorsMutex);
      constructors.erase(raw);
    }
    delete ref;
  });
  exports.Set("openImage", Napi::Function::New(env, OpenImage, "openImage"));
  exports.Set("createImage", Napi::Function::New(env, CreateImage, "createImage"));
  exports.Set("imageToFits", Napi::Function::New(env, ImageToFits, "imageToFits"));
  exports.Set("imageFromFits", Napi::Function::New(env, ImageFromFits, "imageFromFits"));
}

}  // namespace jovialcasa
