// The TableHandle class (a table's rows, columns, keywords and cells) and openTable.
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ColumnDesc.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/TableColumn.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableRecord.h>
#include <casacore/tables/Tables/TableUtil.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

#include "tables.h"

namespace jovialcasa {
namespace tables {

std::vector<std::string> partNames(const Table& table) {
  std::vector<std::string> out;
  Block<String> parts = table.getPartNames(True);
  for (size_t i = 0; i < parts.size(); i++) out.push_back(parts[i]);
  if (out.empty()) out.push_back(table.tableName());
  return out;
}

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

namespace {

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
      return getColumn(env, live(env), path_, name, start, nrow, incr);
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

}  // namespace

Napi::Object wrapTable(Napi::Env env, TablePtr table, std::string path, bool writable) { return TableHandle::Make(env, {std::move(table), std::move(path), writable}); }

}  // namespace tables

void initTables(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = tables::TableHandle::Define(env);
  auto* ref = new Napi::FunctionReference(Napi::Persistent(ctor));
  napi_env key = env;
  {
    std::lock_guard<std::mutex> lock(tables::constructorsMutex);
    tables::constructors[key] = ref;
  }
  env.AddCleanupHook([key, ref]() {
    {
      std::lock_guard<std::mutex> lock(tables::constructorsMutex);
      tables::constructors.erase(key);
    }
    delete ref;
  });
  exports.Set("openTable", Napi::Function::New(env, tables::OpenTableFn, "openTable"));
  exports.Set("taql", Napi::Function::New(env, tables::Taql, "taql"));
}

}  // namespace jovialcasa
