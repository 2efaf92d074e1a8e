// getColumn: a column, or a range of its rows, read in a worker into one typed array (or one array
// per row when the cells differ in shape).
#include <casacore/casa/Arrays/Slicer.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ColumnDesc.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <optional>
#include <stdexcept>

#include "buffer-pool.h"
#include "promise-worker.h"
#include "tables.h"

namespace jovialcasa {
namespace tables {

namespace {

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

}  // namespace

Napi::Value getColumn(Napi::Env env, TablePtr table, std::string path, std::string column, int64_t start, int64_t nrow, int64_t incr) {
  return (new GetColumnWorker(env, std::move(table), std::move(path), std::move(column), start, nrow, incr))->Start();
}

}  // namespace tables
}  // namespace jovialcasa
