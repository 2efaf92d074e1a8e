// createMeasurementSet itself: the worker, the staging folder next to the target and the swap
// into place.
#include <casacore/tables/Tables/Table.h>

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "ms-writer.h"
#include "promise-worker.h"

namespace jovialcasa {
namespace mswriter {

namespace fs = std::filesystem;
using namespace casacore;

namespace {

std::string errnoText(int e) { return std::strerror(e); }

// The subtables of an existing table (folders with a table.dat), whose mutexes the swap also takes.
std::vector<std::string> subtablePaths(const std::string& table) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(table, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2) && fs::exists(it->path() / "table.dat", e2)) out.push_back(it->path().string());
  }
  return out;
}

// What may stand at the target: nothing, or (with overwrite) a casacore table nobody in this
// process has open.
void checkTarget(const std::string& target, bool overwrite, const std::vector<std::string>& subtables) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(target, ec);
  if (!fs::exists(status)) return;
  if (!overwrite) throw std::runtime_error("already exists (pass overwrite: true to replace it)");
  // A link is not followed: the rename would replace the link, not the MS it points to.
  if (fs::is_symlink(status)) throw std::runtime_error("is a symbolic link: not replaced (give the MS's own path)");
  if (!fs::is_directory(status) || !Table::isReadable(target)) throw std::runtime_error("exists and is not a casacore table: not replaced");
  if (Table::isOpened(target)) throw std::runtime_error("is open in this process: close it before replacing it");
  for (const std::string& s : subtables) {
    if (Table::isOpened(s)) throw std::runtime_error("its subtable " + fs::path(s).filename().string() + " is open in this process: close it before replacing the MS");
  }
}

class Staging {
 public:
  explicit Staging(const std::string& target) {
    const fs::path t(target);
    std::string pattern = (t.parent_path() / ("." + t.filename().string() + ".jovial-XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) throw std::runtime_error("cannot write in " + t.parent_path().string() + ": " + errnoText(errno));
    dir_ = buffer.data();
  }
  ~Staging() {
    std::error_code ec;
    if (!keep_) fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  // For when the folder holds the only copy of the old MS.
  void keep() { keep_ = true; }

 private:
  std::string dir_;
  bool keep_ = false;
};

void moveIntoPlace(const std::string& made, const std::string& target, bool overwrite, Staging& staging) {
  std::vector<std::string> subtables = subtablePaths(target);
  std::vector<std::string> paths = subtables;
  paths.push_back(target);
  TableLocks locks(paths);
  checkTarget(target, overwrite, subtables);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(target, ec))) {
    if (std::rename(made.c_str(), target.c_str()) != 0) throw std::runtime_error("cannot move the new MS into place: " + errnoText(errno));
    return;
  }
  // The old MS moves aside into the staging folder (removed with it), and comes back if the new one
  // cannot take its place.
  const std::string previous = staging.path("previous");
  if (std::rename(target.c_str(), previous.c_str()) != 0) throw std::runtime_error("cannot move the old MS aside: " + errnoText(errno));
  if (std::rename(made.c_str(), target.c_str()) != 0) {
    const std::string cause = "cannot move the new MS into place: " + errnoText(errno);
    if (std::rename(previous.c_str(), target.c_str()) != 0) {
      staging.keep();
      throw std::runtime_error(cause + "; the old MS could not be moved back either and is kept at " + previous);
    }
    throw std::runtime_error(cause);
  }
}

std::string absolutePath(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// ---------------------------------------------------------------------------------------------
// The worker

class CreateMsWorker : public jovial::PromiseWorker {
 public:
  CreateMsWorker(Napi::Env env, std::string path, MsSpec spec, bool overwrite)
      : PromiseWorker(env, "jovial_casa.createMeasurementSet", path), path_(std::move(path)), target_(absolutePath(path_)), spec_(std::move(spec)), overwrite_(overwrite) {}

 protected:
  void Run() override {
    {
      // Fail before writing anything when the target could not be replaced anyway.
      std::vector<std::string> subtables = subtablePaths(target_);
      std::vector<std::string> paths = subtables;
      paths.push_back(target_);
      TableLocks locks(paths);
      checkTarget(target_, overwrite_, subtables);
    }
    Staging staging(target_);
    if (spec_.fromScans) expandScans(spec_);
    if (!spec_.rows.hasUvw && spec_.rows.size() > 0) computeUvw(spec_);
    const std::string made = staging.path(fs::path(target_).filename().string());
    {
      std::lock_guard<std::mutex> lock(tableMutex(made));
      writeMeasurementSet(made, spec_, spec_.rows);
    }
    moveIntoPlace(made, target_, overwrite_, staging);
    nrows_ = spec_.rows.size();
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("path", Napi::String::New(env, path_));
    result.Set("nrows", Napi::Number::New(env, static_cast<double>(nrows_)));
    return result;
  }

 private:
  std::string path_, target_;
  MsSpec spec_;
  bool overwrite_;
  uint64_t nrows_ = 0;
};

Napi::Value CreateMeasurementSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString() || info[0].As<Napi::String>().Utf8Value().empty()) {
    return rejected(env, Napi::TypeError::New(env, "createMeasurementSet: path must be a non-empty string"));
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  return promised(env, path, [&]() -> Napi::Value {
    MsSpec spec;
    bool overwrite = false;
    try {
      spec = readSpec(info.Length() > 1 ? info[1] : env.Undefined());
      if (info.Length() > 2 && !absent(info[2])) overwrite = boolAt(objectAt(info[2], "options").Get("overwrite"), "options.overwrite", false);
    } catch (const SpecError& e) {
      const std::string message = path + ": " + e.message;
      if (e.range) throw Napi::RangeError::New(env, message);
      throw Napi::TypeError::New(env, message);
    }
    return (new CreateMsWorker(env, path, std::move(spec), overwrite))->Start();
  });
}

}  // namespace

}  // namespace mswriter

void initMsWriter(Napi::Env env, Napi::Object exports) {
  exports.Set("createMeasurementSet", Napi::Function::New(env, mswriter::CreateMeasurementSet, "createMeasurementSet"));
}

}  // namespace jovialcasa
