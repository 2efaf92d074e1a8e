// Reading FITS data off the event loop (sharp style: one call per job). FITS stores big-endian
// values; swapping them in the worker thread that read them, piece by piece while the bytes are
// still in cache, is what a whole-buffer swap on the main thread afterwards cost us (a third of a
// full read). Big buffers come from the buffer pool (native/common/buffer-pool.h): mapped with
// transparent huge pages, as numpy allocates them (one page fault per 2 MiB instead of per 4 KiB on
// fresh memory), and reused once collected.
#include <napi.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "buffer-pool.h"
#include "errors.h"
#include "promise-worker.h"

namespace {

struct ByteRun {
  int64_t fileOffset;
  int64_t targetOffset;
  int64_t length;
};

void swapInPlace(uint8_t* p, int64_t n, int width) {
  switch (width) {
    case 2:
      for (int64_t i = 0; i + 1 < n; i += 2) {
        uint16_t v;
        std::memcpy(&v, p + i, 2);
        v = __builtin_bswap16(v);
        std::memcpy(p + i, &v, 2);
      }
      break;
    case 4:
      for (int64_t i = 0; i + 3 < n; i += 4) {
        uint32_t v;
        std::memcpy(&v, p + i, 4);
        v = __builtin_bswap32(v);
        std::memcpy(p + i, &v, 4);
      }
      break;
    case 8:
      for (int64_t i = 0; i + 7 < n; i += 8) {
        uint64_t v;
        std::memcpy(&v, p + i, 8);
        v = __builtin_bswap64(v);
        std::memcpy(p + i, &v, 8);
      }
      break;
    default:
      break;
  }
}

class ReadWorker : public jovial::PromiseWorker {
 public:
  // No context: smoothy puts the file's name in front of these messages.
  ReadWorker(Napi::Env env, int fd, Napi::Object target, uint8_t* base, std::vector<ByteRun> runs, int width)
      : PromiseWorker(env, "jovial_io.readRuns", std::string()), fd_(fd), base_(base), runs_(std::move(runs)), width_(width) {
    // The target must outlive the read: hold it until the promise settles.
    target_ = Napi::Persistent(target);
  }

 protected:
  void Run() override {
    // Read and swap a cache-sized step at a time, so the swap finds the bytes still in cache.
    constexpr int64_t kStep = 1 << 20;
    for (const ByteRun& run : runs_) {
      int64_t done = 0;
      while (done < run.length) {
        const int64_t want = std::min(kStep, run.length - done);
        int64_t got = 0;
        while (got < want) {
          ssize_t n = pread(fd_, base_ + run.targetOffset + done + got, static_cast<size_t>(want - got), static_cast<off_t>(run.fileOffset + done + got));
          if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("reading " + std::to_string(run.length) + " bytes at byte " + std::to_string(run.fileOffset + done + got) + ": " + std::strerror(errno));
          }
          if (n == 0) break;  // end of file: the caller reports the truncation with its own context
          got += n;
        }
        // Steps are whole values (1 MiB and every run are multiples of the width); a short one is an error anyway.
        swapInPlace(base_ + run.targetOffset + done, got - got % width_, width_);
        done += got;
        total_ += got;
        if (got < want) {
          shortAt_ = run.fileOffset + done;
          return;
        }
      }
    }
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("bytes", Napi::Number::New(env, static_cast<double>(total_)));
    result.Set("shortAt", shortAt_ < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(shortAt_)));
    return result;
  }

 private:
  Napi::ObjectReference target_;
  int fd_;
  uint8_t* base_;
  std::vector<ByteRun> runs_;
  int width_;
  int64_t total_ = 0;
  int64_t shortAt_ = -1;
};

// readRuns(fd, target: Uint8Array, runs: Float64Array [fileOffset, targetOffset, length]*, width)
//   -> Promise<{ bytes, shortAt }>: preads each run into target and swaps it to native byte order.
Napi::Value ReadRuns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsTypedArray() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "readRuns(fd: number, target: Uint8Array, runs: Float64Array, width: 1 | 2 | 4 | 8)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto target = info[1].As<Napi::TypedArray>();
  auto runsArg = info[2].As<Napi::TypedArray>();
  int width = info[3].As<Napi::Number>().Int32Value();
  if (target.TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "readRuns: target must be a Uint8Array");
  if (runsArg.TypedArrayType() != napi_float64_array) throw Napi::TypeError::New(env, "readRuns: runs must be a Float64Array");
  if (width != 1 && width != 2 && width != 4 && width != 8) throw Napi::RangeError::New(env, "readRuns: width must be 1, 2, 4 or 8");
  if (fd < 0) throw Napi::RangeError::New(env, "readRuns: fd must be an open file descriptor");
  auto runsArray = runsArg.As<Napi::Float64Array>();
  if (runsArray.ElementLength() % 3 != 0) throw Napi::RangeError::New(env, "readRuns: runs holds [fileOffset, targetOffset, length] triples");
  auto bytes = target.As<Napi::Uint8Array>();
  const int64_t size = static_cast<int64_t>(bytes.ByteLength());
  std::vector<ByteRun> runs(runsArray.ElementLength() / 3);
  for (size_t i = 0; i < runs.size(); i++) {
    double f = runsArray[3 * i], t = runsArray[3 * i + 1], n = runsArray[3 * i + 2];
    // Checked here, on the main thread: the worker writes only inside the target.
    if (!(f >= 0 && t >= 0 && n >= 0) || f > 9.0e15 || t + n > static_cast<double>(size)) {
      throw Napi::RangeError::New(env, "readRuns: run " + std::to_string(i) + " does not fit the target (" + std::to_string(size) + " bytes)");
    }
    runs[i] = {static_cast<int64_t>(f), static_cast<int64_t>(t), static_cast<int64_t>(n)};
  }
  return (new ReadWorker(env, fd, target, bytes.Data(), std::move(runs), width))->Start();
}

// allocate(bytes) -> ArrayBuffer: memory from the addon's buffer pool (buffer-pool.h: big blocks are
// huge-page mappings, and a collected buffer's memory serves the next read of its size), returned
// to the pool when collected.
Napi::Value Allocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "allocate(bytes: number)");
  double requested = info[0].As<Napi::Number>().DoubleValue();
  if (!(requested > 0) || requested > 1.0e15) throw Napi::RangeError::New(env, "allocate: bytes must be positive");
  return jovial::guarded(env, "allocate", [&] { return jovial::PooledBuffer(static_cast<size_t>(requested)).toArrayBuffer(env); });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("readRuns", Napi::Function::New(env, jovial::guardedCallback<ReadRuns>));
  exports.Set("allocate", Napi::Function::New(env, jovial::guardedCallback<Allocate>));
  return exports;
}

}  // namespace

NODE_API_MODULE(jovial_io, Init)
