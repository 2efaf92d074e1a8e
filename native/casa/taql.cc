// taql(command): a TaQL command in a worker, alone (every table's mutex held); a table for SELECT
// and the like, { values } for CALC.
#include <casacore/tables/TaQL/ExprNode.h>
#include <casacore/tables/TaQL/MArray.h>
#include <casacore/tables/TaQL/TableParse.h>
#include <casacore/tables/Tables/RowNumbers.h>

#include <optional>
#include <stdexcept>

#include "promise-worker.h"
#include "tables.h"

namespace jovialcasa {
namespace tables {

namespace {

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

// CALC values: scalars as cells give them (TaQL's integers are int64: BigInts), arrays as array cells.
Napi::Value calcToJs(Napi::Env env, const CalcResult& r) {
  Napi::Array values;
  if (r.scalar) {
    values = std::visit(
        [env](const auto& a) {
          Napi::Array out = Napi::Array::New(env, a.nelements());
          uint32_t i = 0;
          for (auto it = a.begin(); it != a.end(); ++it) out.Set(i++, scalarToJs(env, *it));
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
    if (table_) return wrapTable(env, std::move(table_), path_, writable_);
    return calcToJs(env, calc_);
  }

 private:
  std::string command_;
  TablePtr table_;
  std::string path_;
  bool writable_ = false;
  CalcResult calc_;
};

}  // namespace

Napi::Value Taql(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return promised(env, "taql", [&]() -> Napi::Value {
    const std::string command = stringArg(info, 0, "taql(command: string)");
    return (new TaqlWorker(env, command))->Start();
  });
}

}  // namespace tables
}  // namespace jovialcasa
