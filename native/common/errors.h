// How every addon turns a C++ failure into a JavaScript Error: the message is "<context>: <cause>",
// the context being what the failure is about (a path, a TaQL query), or the cause alone where the
// caller adds the context itself (smoothy names the file for io's, cfitsio's and wcslib's errors).
// casacore's AipsError is a std::exception like any other; a C++ exception must never leave a
// binding (node-addon-api would end the process).
#pragma once

#include <napi.h>

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace jovial {

inline std::string inContext(const std::string& context, const std::string& cause) { return context.empty() ? cause : context + ": " + cause; }

// Memory that could not be had: a bad_alloc that says how much, and why.
class OutOfMemory : public std::bad_alloc {
 public:
  explicit OutOfMemory(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// A failure that says more than its message: a library's status code (cfitsio, wcslib), and the
// JavaScript error's name (WcsError); both become properties of the Error.
class Failure : public std::runtime_error {
 public:
  explicit Failure(const std::string& message, int status = 0, std::string name = std::string()) : std::runtime_error(message), status_(status), name_(std::move(name)) {}
  int status() const { return status_; }
  const std::string& name() const { return name_; }

 private:
  int status_;
  std::string name_;
};

inline Napi::Error makeError(Napi::Env env, const std::string& message, int status = 0, const std::string& name = std::string()) {
  Napi::Error error = Napi::Error::New(env, message);
  if (status) error.Set("status", Napi::Number::New(env, status));
  if (!name.empty()) error.Set("name", Napi::String::New(env, name));
  return error;
}

// The cause of the exception being handled (call inside a catch block); the pool's OutOfMemory says
// how much was asked for, any other bad_alloc is "out of memory".
inline std::string currentCause(int* status = nullptr, std::string* name = nullptr) {
  try {
    throw;
  } catch (const Failure& f) {
    if (status) *status = f.status();
    if (name) *name = f.name();
    return f.what();
  } catch (const OutOfMemory& e) {
    return e.what();
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

// What guarded() does with the JavaScript errors its body throws (bad arguments, mostly).
enum class JsErrors {
  kAsThrown,     // passed on unchanged (their messages have their own context, or none)
  kWithContext,  // given the context in front too (unless they have it), keeping their type
};

// Runs `body`, turning any C++ exception into a JavaScript Error with `context` in front.
template <typename F>
auto guarded(Napi::Env env, const std::string& context, F&& body, JsErrors js = JsErrors::kAsThrown) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error& e) {
    if (js == JsErrors::kAsThrown || context.empty()) throw;
    const std::string message = e.Message();
    if (message.rfind(context + ":", 0) == 0) throw;
    Napi::Object error = e.Value();
    error.Set("message", context + ": " + message);
    throw Napi::Error(env, error);
  } catch (...) {
    int status = 0;
    std::string name;
    const std::string cause = currentCause(&status, &name);
    throw makeError(env, inContext(context, cause), status, name);
  }
}

// guarded() that also puts the context in front of the JavaScript errors of the body (bad arguments).
template <typename F>
auto withContext(Napi::Env env, const std::string& context, F&& body) -> decltype(body()) {
  return guarded(env, context, std::forward<F>(body), JsErrors::kWithContext);
}

// A function for JavaScript whose C++ exceptions become Errors (with no context: the caller's
// messages and JavaScript's own say where).
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guardedCallback(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), std::string(), [&] { return F(info); });
}

inline Napi::Promise rejected(Napi::Env env, const Napi::Error& e) {
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  d.Reject(e.Value());
  return d.Promise();
}

// For functions that return a promise: `start` (which checks the arguments and queues a worker) as
// guarded(), any error from it a rejected promise instead of a throw.
template <typename F>
Napi::Value promised(Napi::Env env, const std::string& context, F&& start, JsErrors js = JsErrors::kAsThrown) {
  try {
    return guarded(env, context, std::forward<F>(start), js);
  } catch (const Napi::Error& e) {
    return rejected(env, e);
  }
}

}  // namespace jovial
