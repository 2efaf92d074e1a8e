// CUPID's FINDCLUMPS flow for Node: one call per job (sharp style). The work runs in a libuv worker
// thread, reports progress back to the event loop and stops when cancelled; bad input comes back as
// a rejected promise, never as a crash.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../cupid.h"
#include "promise-worker.h"

namespace {

struct Report {
  double fraction;
  const char* stage;
};

// The promise's errors are CUPID's own messages (the caller names the data), without a context.
class FindClumpsWorker : public jovial::ProgressPromiseWorker<Report> {
 public:
  FindClumpsWorker(Napi::Env env, Napi::TypedArray data, std::vector<std::size_t> dims, cupid::FindClumpsOptions options, Napi::Function onProgress)
      : ProgressPromiseWorker(env, "jovial_cupid.findClumps", ""), dims_(std::move(dims)), options_(std::move(options)) {
    data_ = Napi::Persistent(data.As<Napi::Object>());
    float32_ = data.TypedArrayType() == napi_float32_array;
    raw_ = static_cast<const uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
    count_ = data.ElementLength();
    if (!onProgress.IsEmpty()) progress_ = Napi::Persistent(onProgress);
  }

  void Run(const Progress& progress) override {
    try {
      cupid::Array array;
      array.ndim = static_cast<int>(dims_.size());
      for (std::size_t i = 0; i < dims_.size(); ++i) array.dims[i] = dims_[i];
      array.isFloat32 = float32_;
      array.data.resize(count_);
      // Copied here, off the event loop; NaN stays NaN (CUPID's bad value), ±Inf is made bad by the flow.
      if (float32_) {
        const float* f = reinterpret_cast<const float*>(raw_);
        for (std::size_t i = 0; i < count_; ++i) array.data[i] = f[i];
      } else {
        const double* d = reinterpret_cast<const double*>(raw_);
        for (std::size_t i = 0; i < count_; ++i) array.data[i] = d[i];
      }
      cupid::Control control;
      control.cancel = CancelFlag().get();
      control.progress = [&progress](double fraction, const char* stage) {
        Report p{fraction, stage};
        progress.Send(&p, 1);
      };
      auto started = std::chrono::steady_clock::now();
      result_ = cupid::findClumps(array, options_, control);
      seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    } catch (const cupid::Cancelled&) {
      throw jovial::Cancelled();
    } catch (const cupid::Error&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw jovial::OutOfMemory("out of memory finding clumps in " + std::to_string(count_) + " pixels");
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("internal error: ") + e.what());
    }
  }

  void OnProgress(const Report* p, size_t n) override {
    if (progress_.IsEmpty()) return;
    for (size_t i = 0; i < n; ++i) progress_.Call({Napi::Number::New(Env(), p[i].fraction), Napi::String::New(Env(), p[i].stage ? p[i].stage : "")});
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    const auto& r = result_;
    out.Set("ndim", r.ndim);
    if (!r.mask.empty()) {
      auto mask = Napi::Int32Array::New(env, r.mask.size());
      std::copy(r.mask.begin(), r.mask.end(), mask.Data());
      out.Set("mask", mask);
    }
    if (!r.model.empty()) {
      auto model = Napi::Float32Array::New(env, r.model.size());
      std::copy(r.model.begin(), r.model.end(), model.Data());
      out.Set("model", model);
    }
    // The catalogue as columns: names in the reference CSVs' order, a Float64Array each.
    auto names = cupid::catalogueColumns(r.ndim, r.rows);
    Napi::Array columnNames = Napi::Array::New(env, names.size());
    Napi::Object columns = Napi::Object::New(env);
    for (std::size_t c = 0; c < names.size(); ++c) {
      columnNames.Set(c, names[c]);
      if (names[c] == "reject_reason") {
        Napi::Array reasons = Napi::Array::New(env, r.rows.size());
        for (std::size_t i = 0; i < r.rows.size(); ++i) reasons.Set(i, r.rows[i].rejectReason);
        columns.Set(names[c], reasons);
        continue;
      }
      auto values = Napi::Float64Array::New(env, r.rows.size());
      for (std::size_t i = 0; i < r.rows.size(); ++i) values[i] = cupid::catalogueValue(r.rows[i], r.ndim, names[c]);
      columns.Set(names[c], values);
    }
    out.Set("columnNames", columnNames);
    out.Set("columns", columns);
    Napi::Object resolved = Napi::Object::New(env);
    for (const auto& [k, v] : r.resolved) resolved.Set(k, v);
    out.Set("config", resolved);
    out.Set("rms", r.rms);
    auto beamcorr = Napi::Float64Array::New(env, 3);
    for (int i = 0; i < 3; ++i) beamcorr[i] = r.beamcorr[i];
    out.Set("beamcorr", beamcorr);
    out.Set("nClumps", r.nClumps);
    // The flow's own time in the worker thread (RMS, algorithm, catalogue, mask), without the copy in and out.
    out.Set("seconds", seconds_);
    out.Set("nRejectedBadPixels", r.nRejectedBadPixels);
    out.Set("nRejectedBeamSpatial", r.nRejectedBeamSpatial);
    out.Set("nRejectedBeamSpectral", r.nRejectedBeamSpectral);
    return out;
  }

 private:
  Napi::ObjectReference data_;
  Napi::FunctionReference progress_;
  const uint8_t* raw_ = nullptr;
  std::size_t count_ = 0;
  bool float32_ = true;
  std::vector<std::size_t> dims_;
  cupid::FindClumpsOptions options_;
  cupid::FindClumpsResult result_;
  double seconds_ = 0;
};

std::string stringOf(const Napi::Value& v) { return v.ToString().Utf8Value(); }

// findClumps(data: Float32Array | Float64Array, shape: number[] (FITS order),
//            options: { method, config?, rms?, deconv?, backoff?, velax? }, onProgress?)
//   -> { promise, cancel() }
Napi::Value FindClumps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "findClumps(data: Float32Array | Float64Array, shape: number[], options: { method: string, config?: Record<string, string>, rms?: number, deconv?: boolean, backoff?: boolean, velax?: number }, onProgress?: (fraction, stage) => void)";
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsArray() || !info[2].IsObject() || (info.Length() > 3 && !info[3].IsFunction() && !info[3].IsUndefined())) {
    throw Napi::TypeError::New(env, usage);
  }
  auto data = info[0].As<Napi::TypedArray>();
  if (data.TypedArrayType() != napi_float32_array && data.TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, "findClumps: data must be a Float32Array or a Float64Array (CUPID works on real values)");
  }
  auto shape = info[1].As<Napi::Array>();
  // Degenerate axes are dropped (a Stokes axis of 1); more than 3 significant axes is an error.
  std::vector<std::size_t> dims;
  double total = 1;
  for (uint32_t i = 0; i < shape.Length(); ++i) {
    Napi::Value v = shape.Get(i);
    double n = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 1) || n != std::floor(n) || n > 2147483647.0) throw Napi::RangeError::New(env, "findClumps: shape[" + std::to_string(i) + "] must be a positive integer");
    total *= n;
    if (n > 1) dims.push_back(static_cast<std::size_t>(n));
  }
  if (dims.empty()) throw Napi::RangeError::New(env, "findClumps: the data has a single pixel: nothing to find clumps in");
  if (dims.size() > 3) throw Napi::RangeError::New(env, "findClumps: the data has " + std::to_string(dims.size()) + " non-degenerate axes; CUPID works on 1, 2 or 3 (take a sub-cube or a plane first)");
  if (total != static_cast<double>(data.ElementLength())) {
    throw Napi::RangeError::New(env, "findClumps: the shape holds " + std::to_string(static_cast<long long>(total)) + " values, the data " + std::to_string(data.ElementLength()));
  }
  auto opts = info[2].As<Napi::Object>();
  cupid::FindClumpsOptions options;
  if (!opts.Get("method").IsString()) throw Napi::TypeError::New(env, "findClumps: options.method must be fellwalker, clumpfind, reinhold or gaussclumps");
  options.method = stringOf(opts.Get("method"));
  if (opts.Has("config") && opts.Get("config").IsObject()) {
    auto config = opts.Get("config").As<Napi::Object>();
    auto keys = config.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      std::string key = stringOf(keys.Get(i));
      options.config[key] = stringOf(config.Get(key));
    }
  }
  if (opts.Get("rms").IsNumber()) options.rms = opts.Get("rms").As<Napi::Number>().DoubleValue();
  if (opts.Get("deconv").IsBoolean()) options.deconv = opts.Get("deconv").As<Napi::Boolean>().Value();
  if (opts.Get("backoff").IsBoolean()) options.backoff = opts.Get("backoff").As<Napi::Boolean>().Value() ? 1 : 0;
  if (opts.Get("velax").IsNumber()) options.velax = opts.Get("velax").As<Napi::Number>().Int32Value();
  Napi::Function onProgress = info.Length() > 3 && info[3].IsFunction() ? info[3].As<Napi::Function>() : Napi::Function();
  auto* worker = new FindClumpsWorker(env, data, dims, std::move(options), onProgress);
  // The flag outlives the worker: cancelling a finished job is harmless.
  auto cancel = worker->CancelFlag();
  Napi::Object job = Napi::Object::New(env);
  job.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }));
  job.Set("promise", worker->Start());
  return job;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("findClumps", Napi::Function::New(env, FindClumps));
  return exports;
}

}  // namespace

NODE_API_MODULE(jovial_cupid, Init)
