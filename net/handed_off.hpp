// net/handed_off.hpp — a value a callback owns until its first call, then hands on.
//
// Why: an io object (a session, its socket, its registry's strand) must die on an io
// thread or while its io_context is alive. A callback given to a foreign thread (an
// authenticator's verifier thread, a storage worker) is often destroyed by that thread
// *after* it has been called — possibly after shutdown destroyed the io_contexts. A
// callback that captured `shared_from_this()` would then drop the last reference there.
// Capturing a `handed_off` instead, the call `take()`s the reference and moves it into
// the handler it posts to the io executor, so what the foreign thread keeps is empty.
//
// Thread-safety: copies share one slot. `take()` must be called by one thread at a time
// (a callback called at most once satisfies this); construction and copies from any thread.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace so::net {

template <class T>
class handed_off {
 public:
  explicit handed_off(T value) : slot_(std::make_shared<std::optional<T>>(std::move(value))) {}

  /// The value on the first call, nullopt afterwards.
  std::optional<T> take() const {
    std::optional<T> out;
    out.swap(*slot_);
    return out;
  }

 private:
  std::shared_ptr<std::optional<T>> slot_;
};

}  // namespace so::net
