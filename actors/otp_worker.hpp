// actors/otp_worker.hpp — where the blocking otp_service calls run (later-protocol.md §5).
//
// An otp_service (the HTTP webhook) blocks on the network, so it never runs on an io
// thread or in an actor of the io scheduler: `otp_workers` owns `workers` detached CAF
// actors (a thread each) that run one call at a time. Callers (the connection's
// verify_otp, the turn's end-of-turn send) ask through `otp_call` and get the answer back
// as a response message on their own actor; exactly one of on_ok / on_error runs there.
//
// Bounds (the behaviour at each is part of the contract):
//  - Queue: at most `queue_bound` calls wait (submitted, not started) across the workers;
//    one more is refused AT ONCE on the caller's thread ("the verification service is
//    busy"), never queued.
//  - Deadline: a call not started within `timeout` is not run (it answers "… did not
//    answer"); the caller's request times out `timeout + 1 s` after submission. A call
//    that started runs to the service's own deadline (the webhook's
//    SMOOTH_AGENT_OTP_TIMEOUT_MS), so a hung webhook holds a worker at most that long.
//
// Thread-safety: every member may be called from any thread. `stop()` (shutdown) ends
// the workers; later calls fail with on_error. Destroy before the actor system.
#pragma once

#include "adapters/auth/otp_service.hpp"

#include <caf/actor.hpp>
#include <caf/all.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace so::actors {

using otp_run_atom = caf::atom_constant<caf::atom("otprun")>;

/// One call for a worker (built by otp_call).
struct otp_task {
  std::function<caf::message(adapters::auth::otp_service&)> run;
  std::function<caf::message()> refuse;  ///< answers a call not started by its deadline
  std::chrono::steady_clock::time_point deadline;
};

/// A worker's answer: a value or the failure detail (client-safe).
template <class T>
struct otp_result {
  std::optional<T> value;
  std::string failure;
};

struct otp_workers_options {
  unsigned workers = 2;
  std::size_t queue_bound = 64;
  std::chrono::milliseconds timeout{5000};  ///< SMOOTH_AGENT_OTP_TIMEOUT_MS
};

class otp_workers {
 public:
  otp_workers(caf::actor_system& sys, adapters::auth::otp_service_ptr service,
              otp_workers_options options);
  ~otp_workers();
  otp_workers(const otp_workers&) = delete;
  otp_workers& operator=(const otp_workers&) = delete;

  /// A worker for one more call, or a null actor at the queue bound.
  caf::actor admit();
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  std::size_t waiting() const { return lane_->waiting.load(); }
  void stop();

  struct lane {
    explicit lane(std::size_t b) : bound(b) {}
    std::atomic<std::size_t> waiting{0};
    const std::size_t bound;
  };

 private:
  otp_workers_options options_;
  std::shared_ptr<lane> lane_;
  std::vector<caf::actor> workers_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopped_{false};
};

using otp_workers_ptr = std::shared_ptr<otp_workers>;

/// Runs `fn(otp_service&) -> T` on a worker; then `on_ok(T)` or `on_error(std::string)` on
/// `self`. `Await` (connections): later messages wait for the answer, so replies keep
/// request order; else (turns) other messages run meanwhile (`cancel` stays live).
template <class T, bool Await = false, class Self, class Fn, class OnOk, class OnError>
void otp_call(Self* self, const otp_workers_ptr& pool, Fn fn, OnOk on_ok, OnError on_error) {
  auto worker = pool->admit();
  if (!worker) return on_error(std::string("the verification service is busy"));
  otp_task task;
  task.deadline = std::chrono::steady_clock::now() + pool->timeout();
  task.run = [fn = std::move(fn)](adapters::auth::otp_service& s) mutable {
    otp_result<T> r;
    try {
      r.value = fn(s);
    } catch (const std::exception& e) {
      r.failure = *e.what() ? e.what() : "the verification service failed";
    }
    return caf::make_message(std::move(r));
  };
  task.refuse = [] {
    otp_result<T> r;
    r.failure = "the verification service did not answer";
    return caf::make_message(std::move(r));
  };
  auto ok = [on_ok, on_error](otp_result<T>& r) mutable {
    if (r.value)
      on_ok(std::move(*r.value));
    else
      on_error(r.failure);
  };
  auto err = [on_error](caf::error&) mutable {
    on_error(std::string("the verification service did not answer"));
  };
  auto handle = self->request(worker, pool->timeout() + std::chrono::seconds(1),
                              otp_run_atom::value, std::move(task));
  if constexpr (Await)
    handle.await(std::move(ok), std::move(err));
  else
    handle.then(std::move(ok), std::move(err));
}

}  // namespace so::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::otp_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::otp_result<so::adapters::auth::otp_delivery>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::otp_result<so::adapters::auth::otp_verdict>)
