// Shared pieces of the casacore binding: the per-table mutexes and Record to JavaScript.
#include "common.h"

#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/IPosition.h>
#include <casacore/casa/BasicSL/Complex.h>
#include <casacore/casa/BasicSL/String.h>
#include <casacore/tables/Tables/TableAttr.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>
#include <vector>

namespace jovialcasa {

namespace {

// One mutex per table path, never freed (references to them stay valid for the life of the process).
// While a TaQL command runs (lockAllTables), a path seen for the first time waits: TaQL may open any
// table, so nobody may start on a table the command could be using.
struct Registry {
  std::mutex mutex;
  std::condition_variable taqlDone;
  std::map<std::string, std::unique_ptr<std::mutex>> tables;
  bool taqlActive = false;
  std::thread::id taqlThread;
  std::vector<std::unique_lock<std::mutex>> taqlHeld;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: workers may still use it at exit
  return *r;
}

// The same table under any spelling ("t.ms", "./t.ms/", "/data/t.ms", a symlink) gets one mutex.
std::string canonical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  if (ec) return path;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::mutex& tableMutex(const std::string& path) {
  const std::string key = canonical(path);
  Registry& r = registry();
  std::unique_lock<std::mutex> lock(r.mutex);
  auto it = r.tables.find(key);
  if (it != r.tables.end()) return *it->second;
  r.taqlDone.wait(lock, [&r] { return !r.taqlActive || r.taqlThread == std::this_thread::get_id(); });
  auto& slot = r.tables[key];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

std::vector<std::mutex*> tableMutexes(const std::vector<std::string>& paths) {
  std::vector<std::mutex*> ms;
  for (const auto& p : paths) ms.push_back(&tableMutex(p));
  std::sort(ms.begin(), ms.end());
  ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
  return ms;
}

std::mutex& taqlMutex() {
  static std::mutex* m = new std::mutex();
  return *m;
}

void lockAllTables() {
  Registry& r = registry();
  for (;;) {
    std::vector<std::mutex*> all;
    {
      std::lock_guard<std::mutex> lock(r.mutex);
      for (auto& entry : r.tables) all.push_back(entry.second.get());
    }
    // Address order: the order every holder of several table mutexes uses, so none can deadlock.
    std::sort(all.begin(), all.end());
    std::vector<std::unique_lock<std::mutex>> held;
    held.reserve(all.size());
    for (std::mutex* m : all) held.emplace_back(*m);
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.tables.size() == all.size()) {
      r.taqlActive = true;
      r.taqlThread = std::this_thread::get_id();
      r.taqlHeld = std::move(held);
      return;
    }
    // A table was registered meanwhile: start over (the held locks are released here).
  }
}

void unlockAllTables() {
  Registry& r = registry();
  std::vector<std::unique_lock<std::mutex>> held;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    held = std::move(r.taqlHeld);
    r.taqlHeld.clear();
    r.taqlActive = false;
    r.taqlThread = std::thread::id();
  }
  r.taqlDone.notify_all();
  // `held` unlocks here.
}

namespace {

using namespace casacore;

Napi::Value complexToJs(Napi::Env env, double re, double im) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("re", Napi::Number::New(env, re));
  o.Set("im", Napi::Number::New(env, im));
  return o;
}

Napi::Value elementToJs(Napi::Env env, Bool v) { return Napi::Boolean::New(env, v); }
Napi::Value elementToJs(Napi::Env env, uChar v) { return Napi::Number::New(env, v); }
Napi::Value elementToJs(Napi::Env env, Short v) { return Napi::Number::New(env, v); }
Napi::Value elementToJs(Napi::Env env, Int v) { return Napi::Number::New(env, v); }
Napi::Value elementToJs(Napi::Env env, uInt v) { return Napi::Number::New(env, v); }
Napi::Value elementToJs(Napi::Env env, Int64 v) { return Napi::Number::New(env, static_cast<double>(v)); }
Napi::Value elementToJs(Napi::Env env, Float v) { return Napi::Number::New(env, v); }
Napi::Value elementToJs(Napi::Env env, Double v) { return Napi::Number::New(env, v); }
Napi::Value elementToJs(Napi::Env env, const Complex& v) { return complexToJs(env, v.real(), v.imag()); }
Napi::Value elementToJs(Napi::Env env, const DComplex& v) { return complexToJs(env, v.real(), v.imag()); }
Napi::Value elementToJs(Napi::Env env, const String& v) { return Napi::String::New(env, v); }

// 1-D: a plain array; more axes: { values: plain array (axis 0 fastest), shape }.
template <typename T>
Napi::Value arrayToJs(Napi::Env env, const Array<T>& array) {
  Napi::Array values = Napi::Array::New(env, array.nelements());
  uint32_t i = 0;
  for (auto it = array.begin(); it != array.end(); ++it) values.Set(i++, elementToJs(env, *it));
  if (array.ndim() <= 1) return values;
  Napi::Array shape = Napi::Array::New(env, array.ndim());
  for (uint32_t a = 0; a < array.ndim(); a++) shape.Set(a, Napi::Number::New(env, static_cast<double>(array.shape()[a])));
  Napi::Object o = Napi::Object::New(env);
  o.Set("values", values);
  o.Set("shape", shape);
  return o;
}

}  // namespace

// Scalars as numbers (int64 too: keywords are small), booleans and strings; complex as { re, im };
// arrays as above; sub-records as objects; a table keyword as "Table: <path>" (not opened).
Napi::Value recordToJs(Napi::Env env, const RecordInterface& record) {
  Napi::Object out = Napi::Object::New(env);
  for (uInt i = 0; i < record.nfields(); i++) {
    const RecordFieldId id(static_cast<Int>(i));
    const std::string name = record.name(id);
    Napi::Value v;
    switch (record.type(i)) {
      case TpBool:
        v = elementToJs(env, record.asBool(id));
        break;
      case TpUChar:
        v = elementToJs(env, record.asuChar(id));
        break;
      case TpShort:
        v = elementToJs(env, record.asShort(id));
        break;
      case TpInt:
        v = elementToJs(env, record.asInt(id));
        break;
      case TpUInt:
        v = elementToJs(env, record.asuInt(id));
        break;
      case TpInt64:
        v = elementToJs(env, record.asInt64(id));
        break;
      case TpFloat:
        v = elementToJs(env, record.asFloat(id));
        break;
      case TpDouble:
        v = elementToJs(env, record.asDouble(id));
        break;
      case TpComplex:
        v = elementToJs(env, record.asComplex(id));
        break;
      case TpDComplex:
        v = elementToJs(env, record.asDComplex(id));
        break;
      case TpString:
        v = elementToJs(env, record.asString(id));
        break;
      case TpArrayBool:
        v = arrayToJs(env, record.asArrayBool(id));
        break;
      case TpArrayUChar:
        v = arrayToJs(env, record.asArrayuChar(id));
        break;
      case TpArrayShort:
        v = arrayToJs(env, record.asArrayShort(id));
        break;
      case TpArrayInt:
        v = arrayToJs(env, record.asArrayInt(id));
        break;
      case TpArrayUInt:
        v = arrayToJs(env, record.asArrayuInt(id));
        break;
      case TpArrayInt64:
        v = arrayToJs(env, record.asArrayInt64(id));
        break;
      case TpArrayFloat:
        v = arrayToJs(env, record.asArrayFloat(id));
        break;
      case TpArrayDouble:
        v = arrayToJs(env, record.asArrayDouble(id));
        break;
      case TpArrayComplex:
        v = arrayToJs(env, record.asArrayComplex(id));
        break;
      case TpArrayDComplex:
        v = arrayToJs(env, record.asArrayDComplex(id));
        break;
      case TpArrayString:
        v = arrayToJs(env, record.asArrayString(id));
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

}  // namespace jovialcasa
