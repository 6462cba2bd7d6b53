// actors/storage_calls.hpp — typed request helpers around the storage actor.
//
// `storage_await` suspends the calling actor's mailbox until the reply arrives
// (used by connection actors so replies keep request order); `storage_then`
// lets other messages run meanwhile (used by turns so `cancel` stays live).
// Either way the calling thread never blocks. `fn` runs on the storage thread
// and may throw; the error text reaches `on_error`.
#pragma once

#include "actors/messages.hpp"

#include <chrono>
#include <string>
#include <utility>

namespace so::actors {

/// How long a storage call may take before the caller gives up.
inline constexpr std::chrono::seconds storage_timeout{30};

template <class T, class Fn>
storage_job make_storage_job(Fn fn) {
  return storage_job{
      [fn = std::move(fn)](adapters::storage& s, adapters::knowledge_base& k) -> caf::message {
        storage_reply<T> reply;
        try {
          reply.value = fn(s, k);
        } catch (const std::exception& e) {
          reply.error = *e.what() ? e.what() : "storage failure";
        }
        return caf::make_message(std::move(reply));
      }};
}

namespace detail {
template <class T, class OnOk, class OnError>
auto reply_handlers(OnOk on_ok, OnError on_error) {
  auto ok = [on_ok, on_error](storage_reply<T>& r) mutable {
    if (r.value)
      on_ok(std::move(*r.value));
    else
      on_error(r.error);
  };
  auto err = [on_error](caf::error& e) mutable { on_error(caf::to_string(e)); };
  return std::make_pair(std::move(ok), std::move(err));
}
}  // namespace detail

template <class T, class Self, class Fn, class OnOk, class OnError>
void storage_await(Self* self, const caf::actor& storage, Fn fn, OnOk on_ok, OnError on_error) {
  auto [ok, err] = detail::reply_handlers<T>(std::move(on_ok), std::move(on_error));
  self->request(storage, storage_timeout, run_atom::value, make_storage_job<T>(std::move(fn)))
      .await(std::move(ok), std::move(err));
}

template <class T, class Self, class Fn, class OnOk, class OnError>
void storage_then(Self* self, const caf::actor& storage, Fn fn, OnOk on_ok, OnError on_error) {
  auto [ok, err] = detail::reply_handlers<T>(std::move(on_ok), std::move(on_error));
  self->request(storage, storage_timeout, run_atom::value, make_storage_job<T>(std::move(fn)))
      .then(std::move(ok), std::move(err));
}

}  // namespace so::actors
