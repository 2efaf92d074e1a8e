// casacore tables and TaQL: openTable(path, { writable }) and taql(command), both giving TableHandle
// objects (casa-bridge/src/native.ts has the contract).
//
// Locking: casacore is not thread-safe on one table, and tables opened twice in one process share
// their storage (casacore's table cache). Every use of a table, including copying or dropping a
// casacore Table object (its reference count is not atomic), holds the mutexes of the tables it
// stands on: its own path for a table from openTable, the root tables (getPartNames) for a TaQL
// result. A TaQL command can open any table, so it holds taqlMutex() and every table mutex
// (lockAllTables). Several mutexes are always taken in address order.
#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/casa/Arrays/IPosition.h>
#include <casacore/casa/Arrays/Slicer.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/BasicSL/Complex.h>
#include <casacore/casa/BasicSL/String.h>
#include <casacore/casa/Utilities/DataType.h>
#include <casacore/tables/TaQL/ExprNode.h>
#include <casacore/tables/TaQL/MArray.h>
#include <casacore/tables/TaQL/TableParse.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ColumnDesc.h>
#include <casacore/tables/Tables/RowNumbers.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableColumn.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableRecord.h>
#include <casacore/tables/Tables/TableUtil.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "buffer-pool.h"
#include "common.h"
#include "promise-worker.h"

namespace jovialcasa {

namespace {

using namespace casacore;  // JavaScript types are always written Napi::...

// ---------------------------------------------------------------------------------------------
// Locks

class TaqlLock {
 public:
  TaqlLock() : taql_(taqlMutex()) { lockAllTables(); }
  ~TaqlLock() { unlockAllTables(); }

 private:
  std::lock_guard<std::mutex> taql_;
};

// The tables a table's data live in: itself for a plain table, the roots of a reference table.
std::vector<std::string> partNames(const Table& table) {
  std::vector<std::string> out;
  Block<String> parts = table.getPartNames(True);
  for (size_t i = 0; i < parts.size(); i++) out.push_back(parts[i]);
  if (out.empty()) out.push_back(table.tableName());
  return out;
}

// One open casacore table, shared by its handle and the workers using it; dropped under its locks.
struct OpenTable {
  Table table;
  std::vector<std::mutex*> mutexes;  // empty until the table is fully set up (then nothing else sees it)

  ~OpenTable() {
    if (table.isNull()) return;
    TableLocks locks(mutexes);
    table = Table();
  }
};

using TablePtr = std::shared_ptr<OpenTable>;

// ---------------------------------------------------------------------------------------------
// Value types

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

template <typename T>
struct Kind;
#define JOVIAL_KIND(T, NAPI, COMPONENTS)                \
  template <>                                           \
  struct Kind<T> {                                      \
    static constexpr bool numeric = true;               \
    static constexpr napi_typedarray_type typed = NAPI; \
    static constexpr size_t components = COMPONENTS;    \
  };
JOVIAL_KIND(uChar, napi_uint8_array, 1)
JOVIAL_KIND(Short, napi_int16_array, 1)
JOVIAL_KIND(uShort, napi_uint16_array, 1)
JOVIAL_KIND(Int, napi_int32_array, 1)
JOVIAL_KIND(uInt, napi_uint32_array, 1)
JOVIAL_KIND(Int64, napi_bigint64_array, 1)
JOVIAL_KIND(Float, napi_float32_array, 1)
JOVIAL_KIND(Double, napi_float64_array, 1)
JOVIAL_KIND(Complex, napi_float32_array, 2)
JOVIAL_KIND(DComplex, napi_float64_array, 2)
#undef JOVIAL_KIND
template <>
struct Kind<Bool> { static constexpr bool numeric = false; };
template <>
struct Kind<String> { static constexpr bool numeric = false; };

template <typename T>
constexpr bool isComplex = std::is_same_v<T, Complex> || std::is_same_v<T, DComplex>;

// Calls f(T{}) for the column value type t.
template <typename F>
decltype(auto) dispatchType(DataType t, F&& f) {
  switch (t) {
    case TpBool:
      return f(Bool{});
    case TpUChar:
      return f(uChar{});
    case TpShort:
      return f(Short{});
    case TpUShort:
      return f(uShort{});
    case TpInt:
      return f(Int{});
    case TpUInt:
      return f(uInt{});
    case TpInt64:
      return f(Int64{});
    case TpFloat:
      return f(Float{});
    case TpDouble:
      return f(Double{});
    case TpComplex:
      return f(Complex{});
    case TpDComplex:
      return f(DComplex{});
    case TpString:
      return f(String{});
    default:
      throw std::runtime_error("columns of type " + typeName(t) + " are not supported");
  }
}

using AnyArray = std::variant<Array<Bool>, Array<uChar>, Array<Short>, Array<uShort>, Array<Int>, Array<uInt>, Array<Int64>,
                              Array<Float>, Array<Double>, Array<Complex>, Array<DComplex>, Array<String>>;

// ---------------------------------------------------------------------------------------------
// Typed arrays

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

// ---------------------------------------------------------------------------------------------
// casacore values to JavaScript

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

// The elements of an array (axis 0 fastest): a new typed array for numbers, else a plain array.
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

// An array cell: { values, shape } (shape in casacore's order), complex: true for complex values.
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

// ---------------------------------------------------------------------------------------------
// JavaScript values to casacore values (putCell)

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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

// An array cell from { values, shape } or from a bare typed or plain array (1-D). Complex values:
// an interleaved (re, im) typed array, or a plain array of { re, im } / [re, im].
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

// ---------------------------------------------------------------------------------------------
// Argument helpers

std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* usage) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), usage);
  return info[i].As<Napi::String>().Utf8Value();
}

// An integer argument (undefined: the default).
int64_t intArg(const Napi::CallbackInfo& info, size_t i, int64_t fallback, const char* usage) {
  if (info.Length() <= i || info[i].IsUndefined()) return fallback;
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), usage);
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9.0e15) throw Napi::TypeError::New(info.Env(), usage);
  return static_cast<int64_t>(d);
}

void checkColumn(const Table& t, const std::string& name) {
  if (!t.tableDesc().isColumn(name)) throw std::runtime_error("no column named '" + name + "'");
}

void checkRow(const Table& t, int64_t row) {
  const int64_t n = static_cast<int64_t>(t.nrow());
  if (row < 0 || row >= n) throw std::out_of_range("row " + std::to_string(row) + " is out of range: the table has " + std::to_string(n) + " rows");
}

// ---------------------------------------------------------------------------------------------
// getColumn

struct ColumnResult {
  DataType type = TpOther;
  std::vector<int64_t> shape;  // [nrow] or [nrow, ...cell]
  size_t nelements = 0;
  // Numeric values, in memory from the buffer pool (native/common/buffer-pool.h), handed to
  // JavaScript without a copy.
  jovial::PooledBuffer buffer;
  Array<Bool> bools;
  Array<String> strings;
  std::vector<TableRecord> records;
  bool variable = false;  // cells of different shapes (or undefined ones): one entry per row
  std::vector<std::optional<AnyArray>> cells;
};

// Reads into `array` (values backed by the result buffer for numbers); `read` fills it.
template <typename T, typename Read>
void readDense(ColumnResult& r, const IPosition& casaShape, Read&& read) {
  r.nelements = static_cast<size_t>(casaShape.product());
  if constexpr (Kind<T>::numeric) {
    r.buffer.allocate(r.nelements * sizeof(T));
    if (r.nelements == 0) return;
    T* data = static_cast<T*>(r.buffer.data());
    Array<T> array(casaShape, data, SHARE);
    read(array);
    if (array.data() != data) {  // casacore replaced the storage: copy back
      size_t i = 0;
      for (auto it = array.begin(); it != array.end(); ++it) data[i++] = *it;
    }
  } else {
    Array<T> array(casaShape);
    if (r.nelements) read(array);
    if constexpr (std::is_same_v<T, Bool>)
      r.bools.reference(array);
    else
      r.strings.reference(array);
  }
}

template <typename T>
void readColumn(ColumnResult& r, const Table& t, const std::string& name, bool scalar, rownr_t start, rownr_t count, rownr_t incr) {
  const Slicer rows(IPosition(1, static_cast<ssize_t>(start)), IPosition(1, static_cast<ssize_t>(count)), IPosition(1, static_cast<ssize_t>(incr)));
  if (scalar) {
    ScalarColumn<T> col(t, name);
    r.shape = {static_cast<int64_t>(count)};
    readDense<T>(r, IPosition(1, static_cast<ssize_t>(count)), [&](Array<T>& a) {
      Vector<T> v(a);
      col.getColumnRange(rows, v, False);
      if (v.data() != a.data()) a = v;  // (copies into a's storage)
    });
    return;
  }
  ArrayColumn<T> col(t, name);
  IPosition cell;
  bool same = true;
  if (col.columnDesc().isFixedShape()) {
    cell = col.shapeColumn();
  } else {
    for (rownr_t i = 0; i < count && same; i++) {
      const rownr_t row = start + i * incr;
      if (!col.isDefined(row)) {
        same = false;
      } else if (i == 0) {
        cell = col.shape(row);
      } else if (!col.shape(row).isEqual(cell)) {
        same = false;
      }
    }
  }
  if (same) {
    r.shape = {static_cast<int64_t>(count)};
    for (size_t a = 0; a < cell.size(); a++) r.shape.push_back(cell[a]);
    IPosition casaShape = cell;
    casaShape.append(IPosition(1, static_cast<ssize_t>(count)));
    readDense<T>(r, casaShape, [&](Array<T>& a) { col.getColumnRange(rows, a, False); });
    return;
  }
  r.variable = true;
  r.shape = {static_cast<int64_t>(count)};
  r.cells.resize(count);
  for (rownr_t i = 0; i < count; i++) {
    const rownr_t row = start + i * incr;
    if (col.isDefined(row)) {
      Array<T> a;
      col.get(row, a, True);
      r.cells[i] = AnyArray(std::move(a));
    }
  }
}

Napi::Value columnResultToJs(Napi::Env env, ColumnResult& r) {
  Napi::Object o = Napi::Object::New(env);
  if (r.variable) {
    Napi::Array cells = Napi::Array::New(env, r.cells.size());
    for (uint32_t i = 0; i < r.cells.size(); i++) cells.Set(i, r.cells[i] ? anyCellToJs(env, *r.cells[i]) : env.Null());
    o.Set("values", cells);
    o.Set("variableShape", Napi::Boolean::New(env, true));
  } else if (r.type == TpRecord) {
    Napi::Array recs = Napi::Array::New(env, r.records.size());
    for (uint32_t i = 0; i < r.records.size(); i++) recs.Set(i, recordToJs(env, r.records[i]));
    o.Set("values", recs);
  } else if (r.type == TpBool) {
    o.Set("values", elementsToJs(env, r.bools));
  } else if (r.type == TpString) {
    o.Set("values", elementsToJs(env, r.strings));
  } else {
    dispatchType(r.type, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Kind<T>::numeric) {
        o.Set("values", typedArray(env, Kind<T>::typed, r.nelements * Kind<T>::components, r.buffer.toArrayBuffer(env)));
      }
    });
  }
  o.Set("shape", shapeToJs(env, r.shape));
  if (r.type == TpComplex || r.type == TpDComplex) o.Set("complex", Napi::Boolean::New(env, true));
  return o;
}

class GetColumnWorker : public jovial::PromiseWorker {
 public:
  GetColumnWorker(Napi::Env env, TablePtr table, std::string path, std::string column, int64_t start, int64_t nrow, int64_t incr)
      : PromiseWorker(env, "jovial_casa.getColumn", path), table_(std::move(table)), column_(std::move(column)), start_(start), nrow_(nrow), incr_(incr) {}

 protected:
  void Run() override {
    try {
      read();
    } catch (const jovial::OutOfMemory& e) {
      throw std::runtime_error("out of memory reading column '" + column_ + "' (" + e.what() + ")");
    } catch (const std::bad_alloc&) {
      throw std::runtime_error("out of memory reading column '" + column_ + "'");
    }
  }

  void read() {
    TableLocks locks(table_->mutexes);
    const Table& t = table_->table;
    checkColumn(t, column_);
    const int64_t n = static_cast<int64_t>(t.nrow());
    if (incr_ < 1) throw std::out_of_range("rowIncr must be at least 1 (got " + std::to_string(incr_) + ")");
    if (start_ < 0 || start_ > n) throw std::out_of_range("startRow " + std::to_string(start_) + " is out of range: the table has " + std::to_string(n) + " rows");
    int64_t span = nrow_;
    if (span == -1) {
      span = n - start_;
    } else if (span < 0 || start_ + span > n) {
      throw std::out_of_range("rows [" + std::to_string(start_) + ", " + std::to_string(start_ + span) + ") are out of range: the table has " + std::to_string(n) + " rows");
    }
    const rownr_t count = span == 0 ? 0 : static_cast<rownr_t>((span - 1) / incr_ + 1);
    const ColumnDesc& cd = t.tableDesc().columnDesc(column_);
    result_.type = cd.dataType();
    if (result_.type == TpRecord && cd.isScalar()) {
      ScalarColumn<TableRecord> col(t, column_);
      for (rownr_t i = 0; i < count; i++) result_.records.push_back(col(start_ + i * incr_));
      result_.shape = {static_cast<int64_t>(count)};
      return;
    }
    dispatchType(result_.type, [&](auto tag) {
      readColumn<decltype(tag)>(result_, t, column_, cd.isScalar(), static_cast<rownr_t>(start_), count, static_cast<rownr_t>(incr_));
    });
  }

  Napi::Value Result(Napi::Env env) override { return columnResultToJs(env, result_); }

 private:
  TablePtr table_;  // keeps the table open while the worker runs, even if the handle is closed
  std::string column_;
  int64_t start_, nrow_, incr_;
  ColumnResult result_;
};

// ---------------------------------------------------------------------------------------------
// TableHandle

class TableHandle : public Napi::ObjectWrap<TableHandle> {
 public:
  struct Init {
    TablePtr table;
    std::string path;
    bool writable;
  };

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "TableHandle",
                       {
                           InstanceMethod<&TableHandle::NRows>("nrows"),
                           InstanceMethod<&TableHandle::ColumnNames>("columnNames"),
                           InstanceMethod<&TableHandle::DescribeColumn>("describeColumn"),
                           InstanceMethod<&TableHandle::Keywords>("keywords"),
                           InstanceMethod<&TableHandle::GetColumn>("getColumn"),
                           InstanceMethod<&TableHandle::GetCell>("getCell"),
                           InstanceMethod<&TableHandle::PutCell>("putCell"),
                           InstanceMethod<&TableHandle::Close>("close"),
                       });
  }

  static Napi::Object Make(Napi::Env env, Init init);

  explicit TableHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TableHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsExternal()) throw Napi::TypeError::New(env, "TableHandle objects come from openTable() or taql()");
    Init* init = info[0].As<Napi::External<Init>>().Data();
    table_ = std::move(init->table);
    path_ = init->path;
    writable_ = init->writable;
    info.This().As<Napi::Object>().DefineProperties({
        Napi::PropertyDescriptor::Value("path", Napi::String::New(env, path_), napi_enumerable),
        Napi::PropertyDescriptor::Value("writable", Napi::Boolean::New(env, writable_), napi_enumerable),
    });
  }

 private:
  const TablePtr& live(Napi::Env env) {
    if (!table_) throw Napi::Error::New(env, path_ + ": table closed");
    return table_;
  }

  Napi::Value NRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const TablePtr& t = live(env);
    return guarded(env, path_, [&]() -> Napi::Value {
      TableLocks locks(t->mutexes);
      return Napi::Number::New(env, static_cast<double>(t->table.nrow()));
    });
  }

  Napi::Value ColumnNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const TablePtr& t = live(env);
    return guarded(env, path_, [&]() -> Napi::Value {
      TableLocks locks(t->mutexes);
      Vector<String> names = t->table.tableDesc().columnNames();
      Napi::Array out = Napi::Array::New(env, names.size());
      for (uint32_t i = 0; i < names.size(); i++) out.Set(i, Napi::String::New(env, names[i]));
      return out;
    });
  }

  Napi::Value DescribeColumn(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string name = stringArg(info, 0, "describeColumn(name: string)");
    const TablePtr& t = live(env);
    return guarded(env, path_, [&]() -> Napi::Value {
      TableLocks locks(t->mutexes);
      checkColumn(t->table, name);
      // The actual description: fixed shapes the data manager knows (as python-casacore's getcoldesc).
      TableDesc desc = t->table.actualTableDesc();
      const ColumnDesc& cd = desc.columnDesc(name);
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", Napi::String::New(env, name));
      o.Set("valueType", Napi::String::New(env, typeName(cd.dataType())));
      o.Set("isScalar", Napi::Boolean::New(env, cd.isScalar()));
      if (cd.isScalar()) {
        o.Set("shape", Napi::Array::New(env, 0));
      } else if (cd.isFixedShape()) {
        o.Set("shape", shapeToJs(env, shapeOf(cd.shape())));
      } else {
        o.Set("shape", env.Null());
      }
      o.Set("ndim", Napi::Number::New(env, cd.isScalar() ? 0 : cd.ndim()));
      o.Set("comment", Napi::String::New(env, cd.comment()));
      o.Set("keywords", recordToJs(env, TableColumn(t->table, name).keywordSet()));
      return o;
    });
  }

  Napi::Value Keywords(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const TablePtr& t = live(env);
    return guarded(env, path_, [&]() -> Napi::Value {
      TableLocks locks(t->mutexes);
      return recordToJs(env, t->table.keywordSet());
    });
  }

  Napi::Value GetColumn(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const char* usage = "getColumn(name: string, startRow?: integer, nrow?: integer, rowIncr?: integer)";
    return promised(env, path_, [&]() -> Napi::Value {
      const std::string name = stringArg(info, 0, usage);
      const int64_t start = intArg(info, 1, 0, usage);
      const int64_t nrow = intArg(info, 2, -1, usage);
      const int64_t incr = intArg(info, 3, 1, usage);
      return (new GetColumnWorker(env, live(env), path_, name, start, nrow, incr))->Start();
    });
  }

  Napi::Value GetCell(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const char* usage = "getCell(name: string, row: integer)";
    const std::string name = stringArg(info, 0, usage);
    if (info.Length() < 2) throw Napi::TypeError::New(env, usage);
    const int64_t row = intArg(info, 1, 0, usage);
    const TablePtr& t = live(env);
    return guarded(env, path_, [&]() -> Napi::Value {
      TableLocks locks(t->mutexes);
      const Table& table = t->table;
      checkColumn(table, name);
      checkRow(table, row);
      const ColumnDesc& cd = table.tableDesc().columnDesc(name);
      if (cd.dataType() == TpRecord && cd.isScalar()) {
        ScalarColumn<TableRecord> col(table, name);
        return recordToJs(env, col(static_cast<rownr_t>(row)));
      }
      return dispatchType(cd.dataType(), [&](auto tag) -> Napi::Value {
        using T = decltype(tag);
        if (cd.isScalar()) {
          ScalarColumn<T> col(table, name);
          T v;
          col.get(static_cast<rownr_t>(row), v);
          return scalarToJs(env, v);
        }
        ArrayColumn<T> col(table, name);
        if (!col.isDefined(static_cast<rownr_t>(row))) return env.Null();
        Array<T> a;
        col.get(static_cast<rownr_t>(row), a, True);
        return cellToJs(env, a);
      });
    });
  }

  Napi::Value PutCell(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const char* usage = "putCell(name: string, row: integer, value)";
    const std::string name = stringArg(info, 0, usage);
    if (info.Length() < 3) throw Napi::TypeError::New(env, usage);
    const int64_t row = intArg(info, 1, 0, usage);
    Napi::Value value = info[2];
    const TablePtr& t = live(env);
    if (!writable_) throw Napi::Error::New(env, path_ + ": the table is not writable (open it with { writable: true })");
    guarded(env, path_, [&]() {
      TableLocks locks(t->mutexes);
      Table& table = t->table;
      checkColumn(table, name);
      checkRow(table, row);
      const ColumnDesc& cd = table.tableDesc().columnDesc(name);
      try {
        dispatchType(cd.dataType(), [&](auto tag) {
          using T = decltype(tag);
          if (cd.isScalar()) {
            ScalarColumn<T> col(table, name);
            col.put(static_cast<rownr_t>(row), jsToScalar<T>(value));
          } else {
            ArrayColumn<T> col(table, name);
            col.put(static_cast<rownr_t>(row), jsToArray<T>(value));
          }
        });
      } catch (const InputError& e) {
        throw Napi::TypeError::New(env, path_ + ": column '" + name + "' (" + typeName(cd.dataType()) + (cd.isScalar() ? "" : " array") + "): " + e.what());
      }
    });
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    TablePtr t = std::move(table_);  // dropped (under its locks) when no worker holds it any more
    table_.reset();
    return info.Env().Undefined();
  }

  TablePtr table_;
  std::string path_;
  bool writable_ = false;
};

// The class, per JavaScript environment (main thread and worker threads each load the addon).
std::mutex constructorsMutex;
std::unordered_map<napi_env, Napi::FunctionReference*> constructors;

Napi::Object TableHandle::Make(Napi::Env env, Init init) {
  Napi::FunctionReference* ctor = nullptr;
  {
    std::lock_guard<std::mutex> lock(constructorsMutex);
    auto it = constructors.find(env);
    if (it != constructors.end()) ctor = it->second;
  }
  if (!ctor) throw Napi::Error::New(env, "jovial_casa: TableHandle is not initialised in this environment");
  return ctor->New({Napi::External<Init>::New(env, &init)});
}

// ---------------------------------------------------------------------------------------------
// openTable

Napi::Value OpenTableFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = stringArg(info, 0, "openTable(path: string, options?: { writable?: boolean })");
  bool writable = false;
  if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
    if (!info[1].IsObject()) throw Napi::TypeError::New(env, "openTable: options must be an object");
    Napi::Value w = info[1].As<Napi::Object>().Get("writable");
    if (!w.IsUndefined()) {
      if (!w.IsBoolean()) throw Napi::TypeError::New(env, "openTable: options.writable must be a boolean");
      writable = w.As<Napi::Boolean>().Value();
    }
  }
  TableHandle::Init init;
  init.path = path;
  init.writable = writable;
  guarded(env, path, [&]() {
    if (path.empty()) throw std::runtime_error("is not a table (empty path)");
    if (path.find('\0') != std::string::npos) throw std::runtime_error("is not a table (the path contains a NUL character)");
    auto open = std::make_shared<OpenTable>();
    std::vector<std::string> parts;
    {
      std::lock_guard<std::mutex> lock(tableMutex(path));
      try {
        // "ms::SUBTABLE" names a subtable; anything else must be a table directory.
        if (path.find("::") == std::string::npos && !Table::isReadable(path)) {
          std::error_code ec;
          throw std::runtime_error(std::filesystem::exists(path, ec) ? "is not a table" : "is not a table (no such file or directory)");
        }
        open->table = TableUtil::openTable(path, writable ? Table::Update : Table::Old);
        parts = partNames(open->table);
        init.path = open->table.tableName();
      } catch (...) {
        open->table = Table();  // dropped here, under the lock
        throw;
      }
    }
    open->mutexes = tableMutexes(parts);
    init.table = std::move(open);
  });
  return TableHandle::Make(env, std::move(init));
}

// ---------------------------------------------------------------------------------------------
// taql

// A CALC result: one value per row (scalars) or one array per row.
struct CalcResult {
  bool scalar = true;
  std::optional<AnyArray> values;  // scalars, one per row
  std::vector<AnyArray> cells;     // arrays, one per row
};

template <typename T>
Array<T> columnOf(const TableExprNode& node, const RowNumbers& rows);
#define JOVIAL_COLUMN_OF(T, NAME) \
  template <>                     \
  Array<T> columnOf<T>(const TableExprNode& node, const RowNumbers& rows) { return node.getColumn##NAME(rows); }
JOVIAL_COLUMN_OF(Bool, Bool)
JOVIAL_COLUMN_OF(uChar, uChar)
JOVIAL_COLUMN_OF(Short, Short)
JOVIAL_COLUMN_OF(uShort, uShort)
JOVIAL_COLUMN_OF(Int, Int)
JOVIAL_COLUMN_OF(uInt, uInt)
JOVIAL_COLUMN_OF(Int64, Int64)
JOVIAL_COLUMN_OF(Float, Float)
JOVIAL_COLUMN_OF(Double, Double)
JOVIAL_COLUMN_OF(Complex, Complex)
JOVIAL_COLUMN_OF(DComplex, DComplex)
JOVIAL_COLUMN_OF(String, String)
#undef JOVIAL_COLUMN_OF

CalcResult evaluate(const TableExprNode& node) {
  CalcResult r;
  const rownr_t n = node.nrow();
  if (node.isScalar()) {
    RowNumbers rows(n);
    for (rownr_t i = 0; i < n; i++) rows[i] = i;
    dispatchType(node.getColumnDataType(), [&](auto tag) {
      using T = decltype(tag);
      r.values = AnyArray(columnOf<T>(node, rows));
    });
    return r;
  }
  r.scalar = false;
  for (rownr_t i = 0; i < n; i++) {
    switch (node.dataType()) {
      case TpBool: {
        MArray<Bool> a;
        node.get(TableExprId(i), a);
        r.cells.emplace_back(a.array());
        break;
      }
      case TpInt64: {
        MArray<Int64> a;
        node.get(TableExprId(i), a);
        r.cells.emplace_back(a.array());
        break;
      }
      case TpDouble: {
        MArray<Double> a;
        node.get(TableExprId(i), a);
        r.cells.emplace_back(a.array());
        break;
      }
      case TpDComplex: {
        MArray<DComplex> a;
        node.get(TableExprId(i), a);
        r.cells.emplace_back(a.array());
        break;
      }
      case TpString: {
        MArray<String> a;
        node.get(TableExprId(i), a);
        r.cells.emplace_back(a.array());
        break;
      }
      default:
        throw std::runtime_error("CALC results of type " + typeName(node.dataType()) + " are not supported");
    }
  }
  return r;
}

// CALC scalars: plain values (TaQL integers are int64: given as numbers here), complex as { re, im }.
template <typename T>
Napi::Value calcScalar(Napi::Env env, const T& v) {
  if constexpr (std::is_same_v<T, Int64>)
    return Napi::Number::New(env, static_cast<double>(v));
  else
    return scalarToJs(env, v);
}

Napi::Value calcToJs(Napi::Env env, const CalcResult& r) {
  Napi::Array values;
  if (r.scalar) {
    values = std::visit(
        [env](const auto& a) {
          Napi::Array out = Napi::Array::New(env, a.nelements());
          uint32_t i = 0;
          for (auto it = a.begin(); it != a.end(); ++it) out.Set(i++, calcScalar(env, *it));
          return out;
        },
        *r.values);
  } else {
    values = Napi::Array::New(env, r.cells.size());
    for (uint32_t i = 0; i < r.cells.size(); i++) values.Set(i, anyCellToJs(env, r.cells[i]));
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("values", values);
  return o;
}

class TaqlWorker : public jovial::PromiseWorker {
 public:
  TaqlWorker(Napi::Env env, std::string command) : PromiseWorker(env, "jovial_casa.taql", contextOf(command)), command_(std::move(command)) {}

 protected:
  void Run() override {
    try {
      std::shared_ptr<OpenTable> made;
      std::vector<std::string> parts;
      {
        TaqlLock lock;
        try {
          TaQLResult result = tableCommand(command_);
          if (result.isTable()) {
            made = std::make_shared<OpenTable>();
            made->table = result.table();
            parts = partNames(made->table);
            path_ = made->table.tableName();
            writable_ = made->table.isWritable();
          } else {
            calc_ = evaluate(result.node());
          }
        } catch (...) {
          if (made) made->table = Table();  // dropped under the lock
          throw;
        }
      }
      if (made) {
        made->mutexes = tableMutexes(parts);
        table_ = std::move(made);
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      throw std::runtime_error(cause(e.what()));
    }
  }

  static std::string contextOf(const std::string& command) { return command.find_first_not_of(" \t\n") == std::string::npos ? "empty TaQL command" : command; }

  // casacore repeats the command ("Error in TaQL command: '<command>'\n  <cause>"): keep the cause.
  static std::string cause(const std::string& what) {
    const std::string prefix = "Error in TaQL command: ";
    const size_t nl = what.find('\n');
    if (what.compare(0, prefix.size(), prefix) != 0 || nl == std::string::npos) return what;
    const size_t start = what.find_first_not_of(" \t", nl + 1);
    return start == std::string::npos ? what : what.substr(start);
  }

  Napi::Value Result(Napi::Env env) override {
    if (table_) return TableHandle::Make(env, {std::move(table_), path_, writable_});
    return calcToJs(env, calc_);
  }

 private:
  std::string command_;
  TablePtr table_;
  std::string path_;
  bool writable_ = false;
  CalcResult calc_;
};

Napi::Value TaqlFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return promised(env, "taql", [&]() -> Napi::Value {
    const std::string command = stringArg(info, 0, "taql(command: string)");
    return (new TaqlWorker(env, command))->Start();
  });
}

}  // namespace

void initTables(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = TableHandle::Define(env);
  auto* ref = new Napi::FunctionReference(Napi::Persistent(ctor));
  napi_env key = env;
  {
    std::lock_guard<std::mutex> lock(constructorsMutex);
    constructors[key] = ref;
  }
  env.AddCleanupHook([key, ref]() {
    {
      std::lock_guard<std::mutex> lock(constructorsMutex);
      constructors.erase(key);
    }
    delete ref;
  });
  exports.Set("openTable", Napi::Function::New(env, OpenTableFn, "openTable"));
  exports.Set("taql", Napi::Function::New(env, TaqlFn, "taql"));
}

}  // namespace jovialcasa
