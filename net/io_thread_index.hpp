// net/io_thread_index.hpp — which io thread (if any) is running the calling code.
//
// The io thread pool (actors/io_thread_pool.hpp) stamps each of its threads once, when
// the thread starts; the actor scheduler and the outbound HTTP router read the stamp
// to keep work on the thread that asked for it (no wake-up of another thread).
// This is the only thread-local the runtime has. It identifies the pool by its
// io_context list, so two servers in one process (tests) never mistake each other's
// threads for their own.
// Thread-safety: each thread sees only its own stamp; reading it is free.
#pragma once

#include <cstddef>

namespace boost::asio {
class io_context;
}

namespace so::net {

/// The stamp of one io thread: the io_context it runs and its index in its pool.
struct io_thread_stamp {
  const boost::asio::io_context* io = nullptr;  ///< null on every non-io thread
  std::size_t index = 0;
  /// True while the io scheduler resumes an actor on this thread (so the code running
  /// is an actor's handler, not one of a socket's own completion handlers).
  bool in_actor = false;
};

namespace detail {
inline thread_local io_thread_stamp current_io_thread_stamp{};
}  // namespace detail

/// The calling thread's stamp ({nullptr, 0} when it is not an io thread).
inline const io_thread_stamp& current_io_thread() noexcept {
  return detail::current_io_thread_stamp;
}

/// Called once by an io thread before it runs its io_context; never elsewhere.
inline void stamp_current_io_thread(io_thread_stamp stamp) noexcept {
  detail::current_io_thread_stamp = stamp;
}

/// Set by the io scheduler around each actor resume on an io thread.
inline void mark_current_io_thread_in_actor(bool in_actor) noexcept {
  detail::current_io_thread_stamp.in_actor = in_actor;
}

/// Picks the slot of `contexts` to use from the calling thread: its own when the
/// thread runs one of `contexts[i]`, else `npos`.
template <class ContextList>
std::size_t own_io_slot(const ContextList& contexts) noexcept {
  const auto& s = current_io_thread();
  if (s.io != nullptr && s.index < contexts.size() && &*contexts[s.index] == s.io) return s.index;
  return static_cast<std::size_t>(-1);
}

}  // namespace so::net
