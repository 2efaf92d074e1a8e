// Shared pieces of the casacore binding (addon jovial_casa): the per-table mutexes, the error
// wrapper. Each area has a header of its own and registers its functions from one file: images.h
// (images-*.cc; initImages in images-open.cc), tables.h (table-*.cc and taql.cc; initTables in
// table-handle.cc), ms-writer.h (ms-*.cc; initMsWriter in ms-create.cc), measures.cc, logging.cc;
// values.h converts casacore's values to JavaScript and back for all of them.
// The JavaScript-facing contract is casa-bridge/src/native.ts: keep both in step.
#pragma once

#include <napi.h>

#include <mutex>
#include <string>
#include <vector>

#include "errors.h"

namespace jovialcasa {

// casacore is not thread-safe on one table (concurrent reads of one image crashed here): every use
// of a table or image, from the main thread or a worker, holds the mutex of its path. TaQL can touch
// any table, so it holds a global one too.
std::mutex& tableMutex(const std::string& path);
std::mutex& taqlMutex();

// For a TaQL command (call with taqlMutex() held, and never while holding a table mutex): locks every
// table mutex (in address order, the order any holder of several must use), and makes a path seen for
// the first time wait until unlockAllTables(), since the command may open any table.
void lockAllTables();
void unlockAllTables();

// The mutexes of these tables, once each, in address order; TableLocks holds them all.
std::vector<std::mutex*> tableMutexes(const std::vector<std::string>& paths);

class TableLocks {
 public:
  explicit TableLocks(const std::vector<std::mutex*>& mutexes) {
    held_.reserve(mutexes.size());
    for (std::mutex* m : mutexes) held_.emplace_back(*m);
  }
  explicit TableLocks(const std::vector<std::string>& paths) : TableLocks(tableMutexes(paths)) {}

 private:
  std::vector<std::unique_lock<std::mutex>> held_;
};

// Errors (native/common/errors.h): casacore's AipsError, like any std::exception, becomes a
// JavaScript Error whose message starts with the context, a path or a query.
using jovial::guarded;
using jovial::JsErrors;
using jovial::promised;
using jovial::rejected;
using jovial::withContext;

void initLogging(Napi::Env env, Napi::Object exports);
void initImages(Napi::Env env, Napi::Object exports);
void initTables(Napi::Env env, Napi::Object exports);
void initMeasures(Napi::Env env, Napi::Object exports);
void initMsWriter(Napi::Env env, Napi::Object exports);

}  // namespace jovialcasa
