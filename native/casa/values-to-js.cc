// casacore values to JavaScript values (values.h).
#include <casacore/tables/Tables/TableAttr.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <cstring>

#include "values.h"

namespace jovialcasa {
namespace values {

std::string typeName(DataType t) {
  switch (t) {
    case TpBool:
      return "bool";
    case TpChar:
      return "char";
    case TpUChar:
      return "uchar";
    case TpShort:
      return "short";
    case TpUShort:
      return "ushort";
    case TpInt:
      return "int";
    case TpUInt:
      return "uint";
    case TpInt64:
      return "int64";
    case TpFloat:
      return "float";
    case TpDouble:
      return "double";
    case TpComplex:
      return "complex";
    case TpDComplex:
      return "dcomplex";
    case TpString:
      return "string";
    case TpRecord:
      return "record";
    case TpTable:
      return "table";
    default:
      return "other";
  }
}

Napi::Value typedArray(Napi::Env env, napi_typedarray_type type, size_t length, Napi::ArrayBuffer ab) {
  napi_value out;
  napi_status status = napi_create_typedarray(env, type, length, ab, 0, &out);
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  return Napi::Value(env, out);
}

Napi::Array shapeToJs(Napi::Env env, const std::vector<int64_t>& shape) {
  Napi::Array a = Napi::Array::New(env, shape.size());
  for (uint32_t i = 0; i < shape.size(); i++) a.Set(i, Napi::Number::New(env, static_cast<double>(shape[i])));
  return a;
}

std::vector<int64_t> shapeOf(const IPosition& p) {
  std::vector<int64_t> s;
  for (size_t i = 0; i < p.size(); i++) s.push_back(p[i]);
  return s;
}

Napi::Value scalarToJs(Napi::Env env, Bool v) { return Napi::Boolean::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, uChar v) { return Napi::Number::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, Short v) { return Napi::Number::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, uShort v) { return Napi::Number::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, Int v) { return Napi::Number::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, uInt v) { return Napi::Number::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, Int64 v) { return Napi::BigInt::New(env, static_cast<int64_t>(v)); }
Napi::Value scalarToJs(Napi::Env env, Float v) { return Napi::Number::New(env, v); }
Napi::Value scalarToJs(Napi::Env env, Double v) { return Napi::Number::New(env, v); }
Napi::Value complexToJs(Napi::Env env, double re, double im) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("re", Napi::Number::New(env, re));
  o.Set("im", Napi::Number::New(env, im));
  return o;
}
Napi::Value scalarToJs(Napi::Env env, const Complex& v) { return complexToJs(env, v.real(), v.imag()); }
Napi::Value scalarToJs(Napi::Env env, const DComplex& v) { return complexToJs(env, v.real(), v.imag()); }
Napi::Value scalarToJs(Napi::Env env, const String& v) { return Napi::String::New(env, v); }

namespace {

// Many strings at once: one JavaScript string split on a separator none of them contains is several
// times faster than creating them one by one through Node-API.
Napi::Value stringsToJs(Napi::Env env, const Array<String>& a) {
  const size_t n = a.nelements();
  if (n >= 64) {
    for (const char sep : {'\x1f', '\x1e', '\x01'}) {
      std::string joined;
      bool clash = false;
      for (auto it = a.begin(); it != a.end() && !clash; ++it) {
        clash = it->find(sep) != std::string::npos;
        if (it != a.begin()) joined.push_back(sep);
        joined.append(*it);
      }
      if (clash) continue;
      Napi::String js = Napi::String::New(env, joined);
      Napi::Function split = js.ToObject().Get("split").As<Napi::Function>();
      Napi::Value parts = split.Call(js, {Napi::String::New(env, std::string(1, sep))});
      if (parts.IsArray() && parts.As<Napi::Array>().Length() == n) return parts;
    }
  }
  Napi::Array out = Napi::Array::New(env, n);
  uint32_t i = 0;
  for (auto it = a.begin(); it != a.end(); ++it) out.Set(i++, Napi::String::New(env, *it));
  return out;
}

}  // namespace

template <typename T>
Napi::Value elementsToJs(Napi::Env env, const Array<T>& a) {
  const size_t n = a.nelements();
  if constexpr (Kind<T>::numeric) {
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, n * sizeof(T));
    T* out = static_cast<T*>(ab.Data());
    if (a.contiguousStorage()) {
      if (n) std::memcpy(out, a.data(), n * sizeof(T));
    } else {
      size_t i = 0;
      for (auto it = a.begin(); it != a.end(); ++it) out[i++] = *it;
    }
    return typedArray(env, Kind<T>::typed, n * Kind<T>::components, ab);
  } else if constexpr (std::is_same_v<T, String>) {
    return stringsToJs(env, a);
  } else {
    Napi::Array out = Napi::Array::New(env, n);
    uint32_t i = 0;
    for (auto it = a.begin(); it != a.end(); ++it) out.Set(i++, scalarToJs(env, *it));
    return out;
  }
}

template <typename T>
Napi::Value cellToJs(Napi::Env env, const Array<T>& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("values", elementsToJs(env, a));
  o.Set("shape", shapeToJs(env, shapeOf(a.shape())));
  if constexpr (isComplex<T>) o.Set("complex", Napi::Boolean::New(env, true));
  return o;
}

Napi::Value anyCellToJs(Napi::Env env, const AnyArray& a) {
  return std::visit([env](const auto& arr) { return cellToJs(env, arr); }, a);
}

namespace {

// 1-D: a plain array; more axes: { values: plain array (axis 0 fastest), shape }.
template <typename T>
Napi::Value recordArrayToJs(Napi::Env env, const Array<T>& array) {
  Napi::Array values = Napi::Array::New(env, array.nelements());
  uint32_t i = 0;
  for (auto it = array.begin(); it != array.end(); ++it) values.Set(i++, scalarToJs(env, *it));
  if (array.ndim() <= 1) return values;
  Napi::Object o = Napi::Object::New(env);
  o.Set("values", values);
  o.Set("shape", shapeToJs(env, shapeOf(array.shape())));
  return o;
}

}  // namespace

Napi::Value recordToJs(Napi::Env env, const RecordInterface& record) {
  Napi::Object out = Napi::Object::New(env);
  for (uInt i = 0; i < record.nfields(); i++) {
    const RecordFieldId id(static_cast<Int>(i));
    const std::string name = record.name(id);
    Napi::Value v;
    switch (record.type(i)) {
      case TpBool:
        v = scalarToJs(env, record.asBool(id));
        break;
      case TpUChar:
        v = scalarToJs(env, record.asuChar(id));
        break;
      case TpShort:
        v = scalarToJs(env, record.asShort(id));
        break;
      case TpInt:
        v = scalarToJs(env, record.asInt(id));
        break;
      case TpUInt:
        v = scalarToJs(env, record.asuInt(id));
        break;
      case TpInt64:
        v = scalarToJs(env, record.asInt64(id));
        break;
      case TpFloat:
        v = scalarToJs(env, record.asFloat(id));
        break;
      case TpDouble:
        v = scalarToJs(env, record.asDouble(id));
        break;
      case TpComplex:
        v = scalarToJs(env, record.asComplex(id));
        break;
      case TpDComplex:
        v = scalarToJs(env, record.asDComplex(id));
        break;
      case TpString:
        v = scalarToJs(env, record.asString(id));
        break;
      case TpArrayBool:
        v = recordArrayToJs(env, record.asArrayBool(id));
        break;
      case TpArrayUChar:
        v = recordArrayToJs(env, record.asArrayuChar(id));
        break;
      case TpArrayShort:
        v = recordArrayToJs(env, record.asArrayShort(id));
        break;
      case TpArrayInt:
        v = recordArrayToJs(env, record.asArrayInt(id));
        break;
      case TpArrayUInt:
        v = recordArrayToJs(env, record.asArrayuInt(id));
        break;
      case TpArrayInt64:
        v = recordArrayToJs(env, record.asArrayInt64(id));
        break;
      case TpArrayFloat:
        v = recordArrayToJs(env, record.asArrayFloat(id));
        break;
      case TpArrayDouble:
        v = recordArrayToJs(env, record.asArrayDouble(id));
        break;
      case TpArrayComplex:
        v = recordArrayToJs(env, record.asArrayComplex(id));
        break;
      case TpArrayDComplex:
        v = recordArrayToJs(env, record.asArrayDComplex(id));
        break;
      case TpArrayString:
        v = recordArrayToJs(env, record.asArrayString(id));
        break;
      case TpRecord:
        v = recordToJs(env, record.asRecord(id));
        break;
      case TpTable: {
        const auto* tableRecord = dynamic_cast<const TableRecord*>(&record);
        v = Napi::String::New(env, tableRecord ? "Table: " + tableRecord->tableAttributes(id).name() : std::string("Table"));
        break;
      }
      default:
        v = env.Null();
        break;
    }
    out.Set(name, v);
  }
  return out;
}

#define JOVIAL_INSTANTIATE(T)                                             \
  template Napi::Value elementsToJs<T>(Napi::Env env, const Array<T>& a); \
  template Napi::Value cellToJs<T>(Napi::Env env, const Array<T>& a);
JOVIAL_VALUE_TYPES(JOVIAL_INSTANTIATE)
#undef JOVIAL_INSTANTIATE

}  // namespace values
}  // namespace jovialcasa
