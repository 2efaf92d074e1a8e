// casacore's values as JavaScript values and back (addon jovial_casa): the value types columns and
// cells can have, scalars, typed arrays of numbers, array cells, and what putCell accepts.
#pragma once

#include <napi.h>

#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/IPosition.h>
#include <casacore/casa/BasicSL/Complex.h>
#include <casacore/casa/BasicSL/String.h>
#include <casacore/casa/Containers/RecordInterface.h>
#include <casacore/casa/Utilities/DataType.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace jovialcasa {
namespace values {

using namespace casacore;  // JavaScript types are always written Napi::...

// ---------------------------------------------------------------------------------------------
// Value types

std::string typeName(DataType t);

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

// The value types above, for explicit instantiations: JOVIAL_VALUE_TYPES(X) is X(Bool) X(uChar) ...
#define JOVIAL_VALUE_TYPES(X) X(Bool) X(uChar) X(Short) X(uShort) X(Int) X(uInt) X(Int64) X(Float) X(Double) X(Complex) X(DComplex) X(String)

// ---------------------------------------------------------------------------------------------
// casacore values to JavaScript (values-to-js.cc), for cells, columns, CALC results, table and
// column keywords and images' misc info alike. One rule per type: booleans, numbers, strings,
// complex as { re, im }, and Int64 as a BigInt, always (exact, and the same type whatever the
// value: a Number would round above 2^53); int64 arrays are BigInt64Arrays in cells and columns.

Napi::Value typedArray(Napi::Env env, napi_typedarray_type type, size_t length, Napi::ArrayBuffer ab);
Napi::Array shapeToJs(Napi::Env env, const std::vector<int64_t>& shape);
std::vector<int64_t> shapeOf(const IPosition& p);

Napi::Value scalarToJs(Napi::Env env, Bool v);
Napi::Value scalarToJs(Napi::Env env, uChar v);
Napi::Value scalarToJs(Napi::Env env, Short v);
Napi::Value scalarToJs(Napi::Env env, uShort v);
Napi::Value scalarToJs(Napi::Env env, Int v);
Napi::Value scalarToJs(Napi::Env env, uInt v);
Napi::Value scalarToJs(Napi::Env env, Int64 v);
Napi::Value scalarToJs(Napi::Env env, Float v);
Napi::Value scalarToJs(Napi::Env env, Double v);
Napi::Value scalarToJs(Napi::Env env, const Complex& v);
Napi::Value scalarToJs(Napi::Env env, const DComplex& v);
Napi::Value scalarToJs(Napi::Env env, const String& v);

// The elements of an array (axis 0 fastest): a new typed array for numbers, else a plain array.
template <typename T>
Napi::Value elementsToJs(Napi::Env env, const Array<T>& a);
// An array cell: { values, shape } (shape in casacore's order), complex: true for complex values.
template <typename T>
Napi::Value cellToJs(Napi::Env env, const Array<T>& a);
Napi::Value anyCellToJs(Napi::Env env, const AnyArray& a);

// A casacore Record (table keywords, image misc info) as a plain JavaScript object: scalars as
// above, arrays as plain arrays of them (with their shape, { values, shape }, when more than 1-D),
// sub-records as objects, a table keyword as "Table: <path>" (not opened).
Napi::Value recordToJs(Napi::Env env, const RecordInterface& record);

// ---------------------------------------------------------------------------------------------
// JavaScript values to casacore values (putCell; values-from-js.cc)

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A scalar of type T from a JavaScript value (numbers and BigInts must fit T); throws InputError.
template <typename T>
T jsToScalar(Napi::Value v);
// An array cell from { values, shape } or from a bare typed or plain array (1-D). Complex values:
// an interleaved (re, im) typed array, or a plain array of { re, im } / [re, im].
template <typename T>
Array<T> jsToArray(Napi::Value v);

}  // namespace values
}  // namespace jovialcasa
