// One way for every addon to run a job off the event loop (sharp style: one call, one promise):
// Run() in a libuv worker thread, inside a try/catch, so that any exception rejects the promise
// with "<context>: <cause>" (errors.h; a Failure's status and name become the Error's properties)
// instead of ending the process; Result() on the main thread gives what the promise resolves to.
// A job that can be stopped looks at its cancellation flag, which a JavaScript cancel() sets.
//
//   class ReadWorker : public jovial::PromiseWorker {
//     ReadWorker(Napi::Env env, std::string path) : PromiseWorker(env, "addon.read", path) {}
//     void Run() override { ... throw std::runtime_error("short read"); }    // worker thread
//     Napi::Value Result(Napi::Env env) override { return ...; }            // main thread
//   };
//   return (new ReadWorker(env, path))->Start();                             // the promise
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "errors.h"

namespace jovial {

// Thrown by a job that found itself cancelled: the promise rejects with "cancelled" (after the
// context, when there is one).
struct Cancelled {};

namespace detail {

template <typename Base>
class PromiseWorkerOf : public Base {
 public:
  // Queues the job and gives its promise; the worker deletes itself once the promise is settled.
  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    this->Queue();
    return promise;
  }

  // Shared with whatever cancels the job (it outlives the worker: cancelling a finished job is harmless).
  const std::shared_ptr<std::atomic<bool>>& CancelFlag() const { return cancel_; }

 protected:
  // `name` is the async resource's (async_hooks); `context` starts every error message.
  PromiseWorkerOf(Napi::Env env, const char* name, std::string context)
      : Base(env, name), deferred_(Napi::Promise::Deferred::New(env)), context_(std::move(context)), cancel_(std::make_shared<std::atomic<bool>>(false)) {}

  // Main thread, after Run() succeeded: the promise's value (undefined unless overridden). A
  // Napi::Error thrown here rejects the promise instead.
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

  bool IsCancelled() const { return cancel_->load(std::memory_order_relaxed); }
  void ThrowIfCancelled() const {
    if (IsCancelled()) throw Cancelled();
  }
  const std::string& Context() const { return context_; }

  template <typename F>
  void Guard(F&& run) {
    try {
      run();
    } catch (const Cancelled&) {
      this->SetError(inContext(context_, "cancelled"));
    } catch (...) {
      this->SetError(inContext(context_, currentCause(&status_, &name_)));
    }
  }

  void OnOK() override {
    Napi::Env env = this->Env();
    try {
      deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override {
    Napi::Env env = this->Env();
    if (status_) e.Set("status", Napi::Number::New(env, status_));
    if (!name_.empty()) e.Set("name", Napi::String::New(env, name_));
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string context_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  int status_ = 0;
  std::string name_;
};

}  // namespace detail

class PromiseWorker : public detail::PromiseWorkerOf<Napi::AsyncWorker> {
 protected:
  using PromiseWorkerOf::PromiseWorkerOf;
  // Worker thread: the job; throw to reject. Touches no JavaScript value.
  virtual void Run() = 0;

 private:
  void Execute() final {
    Guard([this] { Run(); });
  }
};

// The same with progress reports: Run() sends P values through `progress`, OnProgress() gets them
// on the main thread.
template <typename P>
class ProgressPromiseWorker : public detail::PromiseWorkerOf<Napi::AsyncProgressQueueWorker<P>> {
 protected:
  using Progress = typename Napi::AsyncProgressQueueWorker<P>::ExecutionProgress;
  using detail::PromiseWorkerOf<Napi::AsyncProgressQueueWorker<P>>::PromiseWorkerOf;
  virtual void Run(const Progress& progress) = 0;

 private:
  void Execute(const Progress& progress) final {
    this->Guard([&] { Run(progress); });
  }
};

}  // namespace jovial
