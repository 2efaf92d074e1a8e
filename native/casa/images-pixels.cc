// Pixel reads (getSlice, getMask) and writes (putSlice) in workers, off the event loop.
#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/Slicer.h>

#include <cstdint>
#include <type_traits>

#include "buffer-pool.h"
#include "images.h"
#include "promise-worker.h"

namespace jovialcasa {
namespace images {

namespace {

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

}  // namespace

Napi::Value readSlice(Napi::Env env, StatePtr state, Box box, bool mask) { return (new SliceWorker(env, std::move(state), std::move(box), mask))->Start(); }

Napi::Value writeSlice(Napi::Env env, StatePtr state, Napi::TypedArray data, IPosition where, IPosition shape) {
  return (new PutWorker(env, std::move(state), data, std::move(where), std::move(shape)))->Start();
}

}  // namespace images
}  // namespace jovialcasa
