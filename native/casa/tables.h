// casacore tables and TaQL (addon jovial_casa; table-*.cc, taql.cc): openTable(path, { writable }) and
// taql(command), both giving TableHandle objects (casa-bridge/src/native.ts has the contract).
//
// Locking: casacore is not thread-safe on one table, and tables opened twice in one process share
// their storage (casacore's table cache). Every use of a table, including copying or dropping a
// casacore Table object (its reference count is not atomic), holds the mutexes of the tables it
// stands on: its own path for a table from openTable, the root tables (getPartNames) for a TaQL
// result. A TaQL command can open any table, so it holds taqlMutex() and every table mutex
// (lockAllTables). Several mutexes are always taken in address order.
#pragma once

#include <napi.h>

#include <casacore/tables/Tables/Table.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"
#include "values.h"

namespace jovialcasa {
namespace tables {

using namespace casacore;  // JavaScript types are always written Napi::...
using namespace values;

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
std::vector<std::string> partNames(const Table& table);

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

// A TableHandle for JavaScript over an open table (table-handle.cc).
Napi::Object wrapTable(Napi::Env env, TablePtr table, std::string path, bool writable);

// ---------------------------------------------------------------------------------------------
// Argument helpers (table-handle.cc)

std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* usage);
// An integer argument (undefined: the default).
int64_t intArg(const Napi::CallbackInfo& info, size_t i, int64_t fallback, const char* usage);
void checkColumn(const Table& t, const std::string& name);
void checkRow(const Table& t, int64_t row);

// getColumn's promise: rows [start, start + nrow) every incr (nrow -1: to the end) read in a worker
// (table-columns.cc).
Napi::Value getColumn(Napi::Env env, TablePtr table, std::string path, std::string column, int64_t start, int64_t nrow, int64_t incr);

// taql(command) (taql.cc).
Napi::Value Taql(const Napi::CallbackInfo& info);

}  // namespace tables
}  // namespace jovialcasa
