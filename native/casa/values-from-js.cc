// JavaScript values to casacore values, for putCell (values.h).
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "values.h"

namespace jovialcasa {
namespace values {

// ---------------------------------------------------------------------------------------------
// JavaScript values to casacore values (putCell)

namespace {

std::string describeNumber(double d) {
  std::ostringstream s;
  s << d;
  return s.str();
}

template <typename T>
T numberTo(double d) {
  if constexpr (std::is_integral_v<T>) {
    if (!std::isfinite(d) || d != std::trunc(d)) throw InputError("value " + describeNumber(d) + " is not an integer");
    if (d < static_cast<double>(std::numeric_limits<T>::min()) || d > static_cast<double>(std::numeric_limits<T>::max())) {
      throw InputError("value " + describeNumber(d) + " does not fit a " + typeName(whatType(static_cast<T*>(nullptr))));
    }
    return static_cast<T>(d);
  } else if constexpr (isComplex<T>) {
    return T(static_cast<typename T::value_type>(d), 0);
  } else {
    return static_cast<T>(d);
  }
}

template <typename T>
T bigintTo(Napi::BigInt b) {
  bool lossless = false;
  int64_t v = b.Int64Value(&lossless);
  if (!lossless) throw InputError("BigInt value does not fit 64 bits");
  if constexpr (std::is_integral_v<T>) {
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
      throw InputError("value " + std::to_string(v) + " does not fit a " + typeName(whatType(static_cast<T*>(nullptr))));
    }
    return static_cast<T>(v);
  } else {
    return numberTo<T>(static_cast<double>(v));
  }
}

}  // namespace

template <typename T>
T jsToScalar(Napi::Value v) {
  if constexpr (std::is_same_v<T, Bool>) {
    if (!v.IsBoolean()) throw InputError("expected a boolean");
    return v.As<Napi::Boolean>().Value();
  } else if constexpr (std::is_same_v<T, String>) {
    if (!v.IsString()) throw InputError("expected a string");
    return String(v.As<Napi::String>().Utf8Value());
  } else if constexpr (isComplex<T>) {
    using R = typename T::value_type;
    if (v.IsNumber()) return T(static_cast<R>(v.As<Napi::Number>().DoubleValue()), 0);
    if (v.IsArray()) {
      Napi::Array a = v.As<Napi::Array>();
      if (a.Length() == 2 && a.Get(0u).IsNumber() && a.Get(1u).IsNumber()) {
        return T(static_cast<R>(a.Get(0u).As<Napi::Number>().DoubleValue()), static_cast<R>(a.Get(1u).As<Napi::Number>().DoubleValue()));
      }
    } else if (v.IsObject()) {
      Napi::Object o = v.As<Napi::Object>();
      Napi::Value re = o.Get("re"), im = o.Get("im");
      if (re.IsNumber() && (im.IsNumber() || im.IsUndefined())) {
        return T(static_cast<R>(re.As<Napi::Number>().DoubleValue()), im.IsNumber() ? static_cast<R>(im.As<Napi::Number>().DoubleValue()) : R(0));
      }
    }
    throw InputError("expected a complex value: { re, im }, [re, im] or a number");
  } else {
    if (v.IsNumber()) return numberTo<T>(v.As<Napi::Number>().DoubleValue());
    if (v.IsBigInt()) return bigintTo<T>(v.As<Napi::BigInt>());
    throw InputError("expected a number");
  }
}

namespace {

// Element i of a typed array, as a double or (64-bit integer arrays) exactly.
template <typename T>
T typedElementTo(const uint8_t* base, napi_typedarray_type type, size_t i) {
  auto load = [&](auto tag) {
    decltype(tag) x;
    std::memcpy(&x, base + i * sizeof(x), sizeof(x));
    return x;
  };
  switch (type) {
    case napi_int8_array:
      return numberTo<T>(load(int8_t{}));
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return numberTo<T>(load(uint8_t{}));
    case napi_int16_array:
      return numberTo<T>(load(int16_t{}));
    case napi_uint16_array:
      return numberTo<T>(load(uint16_t{}));
    case napi_int32_array:
      return numberTo<T>(load(int32_t{}));
    case napi_uint32_array:
      return numberTo<T>(load(uint32_t{}));
    case napi_float32_array:
      return numberTo<T>(load(float{}));
    case napi_float64_array:
      return numberTo<T>(load(double{}));
    case napi_bigint64_array: {
      int64_t x = load(int64_t{});
      if constexpr (std::is_integral_v<T>) {
        if (x < static_cast<int64_t>(std::numeric_limits<T>::min()) || (x > 0 && static_cast<uint64_t>(x) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
          throw InputError("value " + std::to_string(x) + " does not fit a " + typeName(whatType(static_cast<T*>(nullptr))));
        }
        return static_cast<T>(x);
      } else {
        return numberTo<T>(static_cast<double>(x));
      }
    }
    case napi_biguint64_array: {
      uint64_t x = load(uint64_t{});
      if constexpr (std::is_integral_v<T>) {
        if (x > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw InputError("value " + std::to_string(x) + " does not fit");
        return static_cast<T>(x);
      } else {
        return numberTo<T>(static_cast<double>(x));
      }
    }
    default:
      throw InputError("unsupported typed array");
  }
}

}  // namespace

template <typename T>
Array<T> jsToArray(Napi::Value v) {
  Napi::Value values = v;
  Napi::Value shapeValue;
  if (v.IsObject() && !v.IsArray() && !v.IsTypedArray()) {
    Napi::Object o = v.As<Napi::Object>();
    values = o.Get("values");
    shapeValue = o.Get("shape");
  }
  std::vector<T> elements;
  if (values.IsTypedArray()) {
    if constexpr (std::is_same_v<T, String>) {
      throw InputError("expected strings, got a typed array");
    } else {
      Napi::TypedArray ta = values.As<Napi::TypedArray>();
      const auto* base = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      const size_t n = ta.ElementLength();
      if constexpr (isComplex<T>) {
        using R = typename T::value_type;
        if (n % 2) throw InputError("complex values as a typed array must be interleaved (re, im) pairs");
        for (size_t i = 0; i < n; i += 2) {
          elements.emplace_back(typedElementTo<R>(base, ta.TypedArrayType(), i), typedElementTo<R>(base, ta.TypedArrayType(), i + 1));
        }
      } else if constexpr (std::is_same_v<T, Bool>) {
        for (size_t i = 0; i < n; i++) elements.push_back(typedElementTo<double>(base, ta.TypedArrayType(), i) != 0);
      } else {
        for (size_t i = 0; i < n; i++) elements.push_back(typedElementTo<T>(base, ta.TypedArrayType(), i));
      }
    }
  } else if (values.IsArray()) {
    Napi::Array a = values.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      try {
        elements.push_back(jsToScalar<T>(a.Get(i)));
      } catch (const InputError& e) {
        throw InputError("element " + std::to_string(i) + ": " + e.what());
      }
    }
  } else {
    throw InputError("expected an array cell: { values, shape }, a typed array or an array");
  }
  IPosition shape;
  if (shapeValue.IsEmpty() || shapeValue.IsUndefined() || shapeValue.IsNull()) {
    shape = IPosition(1, static_cast<ssize_t>(elements.size()));
  } else {
    if (!shapeValue.IsArray()) throw InputError("shape must be an array of axis lengths");
    Napi::Array s = shapeValue.As<Napi::Array>();
    if (s.Length() == 0) throw InputError("shape must have at least one axis");
    if (s.Length() > 64) throw InputError("shape has too many axes");
    shape.resize(s.Length());
    double product = 1;
    for (uint32_t i = 0; i < s.Length(); i++) {
      Napi::Value len = s.Get(i);
      double d = len.IsNumber() ? len.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 0) || d != std::trunc(d) || d > 9.0e15) throw InputError("shape must be an array of non-negative integers");
      shape[i] = static_cast<ssize_t>(d);
      product *= d;
    }
    if (product != static_cast<double>(elements.size())) {
      throw InputError("shape " + shape.toString() + " does not hold the " + std::to_string(elements.size()) + " values given");
    }
  }
  Array<T> out(shape);
  std::copy(elements.begin(), elements.end(), out.begin());
  return out;
}

#define JOVIAL_INSTANTIATE(T)              \
  template T jsToScalar<T>(Napi::Value v); \
  template Array<T> jsToArray<T>(Napi::Value v);
JOVIAL_VALUE_TYPES(JOVIAL_INSTANTIATE)
#undef JOVIAL_INSTANTIATE

}  // namespace values
}  // namespace jovialcasa
