// Shared pieces of the casacore binding: the per-table mutexes.
#include "common.h"

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

}  // namespace jovialcasa
