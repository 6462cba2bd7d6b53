// actors/storage_calls.hpp — typed request helpers around the storage pool.
//
//   storage_await<T>(self, pool, [route,] fn, on_ok, on_error)
//   storage_then<T>(self, pool, [route,] fn, on_ok, on_error)
//
// `route` is the shard key (a conversation id, or a session id where that is
// all the caller has) or `knowledge_lane`; see actors/storage_pool.hpp for the
// workers, the queue bound and the deadline. `fn(storage&, knowledge_base&)`
// returns a T and may throw.
//
// `storage_await` suspends the calling actor's mailbox until the reply arrives
// (connection actors: replies keep request order); `storage_then` lets other
// messages run meanwhile (turns: `cancel` stays live). Either way the calling
// thread never blocks.
//
// Exactly one of `on_ok(T)` / `on_error(...)` runs, always on the caller's
// actor. They run synchronously, before the helper returns, when the job ran
// inline (an adapter that never blocks) or was refused at the queue bound
// (STORAGE_BUSY); otherwise later, as a response handler. `on_error` takes
// either `const storage_failure&` (code + text: STORAGE_ERROR, STORAGE_BUSY,
// STORAGE_TIMEOUT) or `const std::string&` (the text only).
#pragma once

#include "actors/messages.hpp"
#include "actors/storage_pool.hpp"
#include "protocol/error_codes.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace so::actors {

/// Reply of one storage job: a value, or why there is none.
template <class T>
struct storage_result {
  std::optional<T> value;
  storage_failure failure;
};

namespace detail {

template <class OnError>
void report(OnError& on_error, storage_failure f) {
  if constexpr (std::is_invocable_v<OnError&, const storage_failure&>)
    on_error(f);
  else
    on_error(f.message);
}

template <class T, class Fn>
storage_result<T> run_job(Fn& fn, adapters::storage& s, adapters::knowledge_base& k) {
  storage_result<T> r;
  try {
    r.value = fn(s, k);
  } catch (const std::exception& e) {
    r.failure = {protocol::codes::storage_error, *e.what() ? e.what() : "storage failure"};
  }
  return r;
}

template <class T, class OnOk, class OnError>
void deliver(storage_result<T>& r, OnOk& on_ok, OnError& on_error) {
  if (r.value)
    on_ok(std::move(*r.value));
  else
    report(on_error, std::move(r.failure));
}

template <bool Await, class T, class Self, class Fn, class OnOk, class OnError>
void storage_call(Self* self, const storage_pool_ptr& pool, const storage_route& route, Fn fn,
                  OnOk on_ok, OnError on_error) {
  if (pool->runs_inline(route)) {
    auto r = run_job<T>(fn, pool->storage(), pool->knowledge());
    return deliver(r, on_ok, on_error);
  }
  auto worker = pool->admit(route);
  if (!worker) return report(on_error, pool->busy(route));
  storage_task task;
  // Taken before the request: the job's deadline never outlives the caller's timeout.
  task.deadline = std::chrono::steady_clock::now() + pool->timeout();
  task.run = [fn = std::move(fn)](adapters::storage& s, adapters::knowledge_base& k) mutable {
    return caf::make_message(run_job<T>(fn, s, k));
  };
  task.refuse = [](storage_failure f) {
    storage_result<T> r;
    r.failure = std::move(f);
    return caf::make_message(std::move(r));
  };
  auto ok = [on_ok, on_error](storage_result<T>& r) mutable { deliver(r, on_ok, on_error); };
  auto err = [on_error, pool](caf::error& e) mutable { report(on_error, pool->failure_of(e)); };
  auto handle = self->request(worker, pool->timeout(), run_atom::value, std::move(task));
  if constexpr (Await)
    handle.await(std::move(ok), std::move(err));
  else
    handle.then(std::move(ok), std::move(err));
}

}  // namespace detail

template <class T, class Self, class Fn, class OnOk, class OnError>
void storage_await(Self* self, const storage_pool_ptr& pool, const storage_route& route, Fn fn,
                   OnOk on_ok, OnError on_error) {
  detail::storage_call<true, T>(self, pool, route, std::move(fn), std::move(on_ok),
                                std::move(on_error));
}

template <class T, class Self, class Fn, class OnOk, class OnError>
void storage_then(Self* self, const storage_pool_ptr& pool, const storage_route& route, Fn fn,
                  OnOk on_ok, OnError on_error) {
  detail::storage_call<false, T>(self, pool, route, std::move(fn), std::move(on_ok),
                                 std::move(on_error));
}

/// Without a shard key: the job goes to the worker of the empty key. Pass the
/// conversation or session id whenever the call has one (ordering, spread).
template <class T, class Self, class Fn, class OnOk, class OnError>
void storage_await(Self* self, const storage_pool_ptr& pool, Fn fn, OnOk on_ok, OnError on_error) {
  storage_await<T>(self, pool, storage_route(std::string_view()), std::move(fn), std::move(on_ok),
                   std::move(on_error));
}

template <class T, class Self, class Fn, class OnOk, class OnError>
void storage_then(Self* self, const storage_pool_ptr& pool, Fn fn, OnOk on_ok, OnError on_error) {
  storage_then<T>(self, pool, storage_route(std::string_view()), std::move(fn), std::move(on_ok),
                  std::move(on_error));
}

}  // namespace so::actors

namespace caf {
template <class T>
struct allowed_unsafe_message_type<so::actors::storage_result<T>> : std::true_type {};
}  // namespace caf
