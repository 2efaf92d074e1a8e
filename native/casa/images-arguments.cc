// What JavaScript passes to the images' functions, checked on the main thread.
#include <cmath>

#include "images.h"

namespace jovialcasa {
namespace images {

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

std::string pathArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + what + " must be a string");
  std::string p = info[i].As<Napi::String>().Utf8Value();
  if (p.empty()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + what + " is empty");
  return p;
}

}  // namespace images
}  // namespace jovialcasa
