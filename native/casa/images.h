// The images' shared pieces (addon jovial_casa; images-*.cc): openImage (any image casacore's
// ImageOpener knows: PagedImage, FITS, MIRIAD), createImage (a float32 PagedImage), imageToFits /
// imageFromFits (ImageFITSConverter). See casa-bridge/src/native.ts.
//
// A handle keeps its image open (reopening costs ~100 ms) in a shared ImageState that workers share
// too, so closing a handle (or losing it to the GC) while a read runs is safe. Every use of the image
// holds tableMutex(absolute path); pixel reads and writes and statistics run in a worker off the event
// loop. Nothing allocates JavaScript values while holding that mutex: a GC finalizer may run during
// any allocation and destroy another handle of the same path, which takes the mutex.
#pragma once

#include <napi.h>

#include <casacore/casa/Arrays/IPosition.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/BasicSL/String.h>
#include <casacore/casa/Exceptions/Error.h>
#include <casacore/coordinates/Coordinates/CoordinateSystem.h>
#include <casacore/images/Images/ImageInfo.h>
#include <casacore/images/Images/ImageInterface.h>

#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"

namespace jovialcasa {
namespace images {

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

std::string absoluteKey(const std::string& path);
const char* dataTypeName(casacore::DataType t);

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

// Opens any image; the caller holds the mutex of `key`.
std::unique_ptr<casacore::LatticeBase> openLattice(const std::string& path);

// The open image's state; the caller holds `mutex`. On failure the half-made state is dropped here,
// still under the lock; on success the returned pointer's deleter takes the mutex.
StatePtr buildState(const std::string& path, const std::string& key, std::mutex* mutex, std::unique_ptr<casacore::LatticeBase> lattice, bool writable);

// ---------------------------------------------------------------------------------------------
// Arguments (main thread; images-arguments.cc).

double numberAt(Napi::Env env, const Napi::Value& v, const std::string& what);
// An integer vector of exactly n values (or of 0 values when `allowEmpty`, meaning "default").
std::vector<long long> intVector(Napi::Env env, const Napi::Value& v, size_t n, const std::string& what, bool allowEmpty);
std::string positionText(const std::vector<long long>& v);
std::string positionText(const casacore::IPosition& v);

struct Box {
  IPosition blc, trc, inc, outShape;
  bool whole = true;
  size_t count = 1;
};

// blc/trc/inc checked against the image's shape; empty or missing blc/trc/inc mean the whole image / 1.
Box parseBox(Napi::Env env, const casacore::IPosition& shape, const Napi::Value& blcV, const Napi::Value& trcV, const Napi::Value& incV, bool withInc);
std::string pathArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what);

// ---------------------------------------------------------------------------------------------
// Workers (a promise each; images-pixels.cc, images-statistics.cc).

// Pixels (or the default mask) of the box into a new typed array.
Napi::Value readSlice(Napi::Env env, StatePtr state, Box box, bool mask);
// `data` (kept alive until written) into the box of `shape` at `where`.
Napi::Value writeSlice(Napi::Env env, StatePtr state, Napi::TypedArray data, casacore::IPosition where, casacore::IPosition shape);
Napi::Value statistics(Napi::Env env, StatePtr state, Box box);

// ---------------------------------------------------------------------------------------------
// Coordinates (images-coordinates.cc).

Napi::Array stringsJs(Napi::Env env, const casacore::Vector<casacore::String>& v);
// The coordinate system as JSON (main thread, from the cached system: no lock).
Napi::Object coordinatesJs(Napi::Env env, const casacore::CoordinateSystem& cs);
// A coordinate system from that JSON (createImage), checked against the image's shape.
casacore::CoordinateSystem coordinatesFromJs(Napi::Env env, Napi::Object json, const casacore::IPosition& shape);
void convertMany(const casacore::CoordinateSystem& cs, bool toWorld, const casacore::Matrix<casacore::Double>& src, casacore::Matrix<casacore::Double>& dst);

// ---------------------------------------------------------------------------------------------
// Handles and module functions.

// The ImageHandle class in this environment (images-handle.cc), and a handle of an open image.
void registerImageHandle(Napi::Env env);
Napi::Object wrapState(Napi::Env env, StatePtr state);

Napi::Value ImageToFits(const Napi::CallbackInfo& info);
Napi::Value ImageFromFits(const Napi::CallbackInfo& info);

}  // namespace images
}  // namespace jovialcasa
