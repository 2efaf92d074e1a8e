// casacore's log messages. casacore posts them to a process-wide sink that writes to stderr by
// default, from whatever thread does the work (our workers included). At load we replace that sink
// with one that drops everything, or, once setLogSink(fn) is called, hands each message to fn on the
// event loop through a thread-safe function (messages are delivered asynchronously, in order).
#include <casacore/casa/Logging/LogMessage.h>
#include <casacore/casa/Logging/LogOrigin.h>
#include <casacore/casa/Logging/LogSink.h>
#include <casacore/casa/Logging/LogSinkInterface.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common.h"

namespace jovialcasa {

namespace {

struct Entry {
  std::string priority;
  std::string origin;
  std::string message;
};

// The JavaScript sink, if any. Never destroyed: casacore may log from static destructors at exit.
struct SinkState {
  std::mutex mutex;
  Napi::ThreadSafeFunction tsfn;
  bool active = false;
  uint64_t generation = 0;
};

SinkState& sinkState() {
  static SinkState* s = new SinkState();
  return *s;
}

void deliver(Napi::Env env, Napi::Function fn, Entry* entry) {
  std::unique_ptr<Entry> owned(entry);
  if (env == nullptr || fn.IsEmpty()) return;  // the sink went away with messages still queued
  try {
    fn.Call({Napi::String::New(env, owned->priority), Napi::String::New(env, owned->origin), Napi::String::New(env, owned->message)});
  } catch (const Napi::Error&) {
    // A throwing sink must not take the process down from a log line: the exception is dropped.
  }
}

class JovialLogSink : public casacore::LogSinkInterface {
 public:
  casacore::Bool postLocally(const casacore::LogMessage& message) override {
    SinkState& s = sinkState();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.active) return casacore::True;  // dropped: never to stderr
    auto* entry = new Entry{casacore::LogMessage::toString(message.priority()), message.origin().fullName(), message.message()};
    if (s.tsfn.NonBlockingCall(entry, deliver) != napi_ok) delete entry;
    return casacore::True;
  }
  casacore::String id() const override { return "JovialLogSink"; }
};

// setLogSink(fn | null)
Napi::Value SetLogSink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsFunction() || info[0].IsNull() || info[0].IsUndefined())) {
    throw Napi::TypeError::New(env, "setLogSink(sink: ((priority, origin, message) => void) | null)");
  }
  SinkState& s = sinkState();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.active) {
    s.active = false;
    s.tsfn.Release();
  }
  s.generation++;
  if (info[0].IsFunction()) {
    const uint64_t generation = s.generation;
    // The finalizer runs on the event loop when the function is released or the environment goes
    // away (worker thread exit): from then on messages are dropped again.
    s.tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "casacore log", 0, 1, [generation](Napi::Env) {
      SinkState& st = sinkState();
      std::lock_guard<std::mutex> l(st.mutex);
      if (st.generation == generation) st.active = false;
    });
    s.tsfn.Unref(env);  // a log sink alone does not keep Node running
    s.active = true;
  }
  return env.Undefined();
}

}  // namespace

void initLogging(Napi::Env env, Napi::Object exports) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    casacore::LogSinkInterface* sink = new JovialLogSink();
    casacore::LogSink::globalSink(sink);  // casacore takes ownership
  });
  exports.Set("setLogSink", Napi::Function::New(env, SetLogSink, "setLogSink"));
}

}  // namespace jovialcasa
