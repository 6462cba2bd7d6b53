// net/io_thread_index.hpp — which io thread (if any) is running the calling code.
//
// The io thread pool (actors/io_thread_pool.hpp) stamps each of its threads once, when
// the thread starts; the actor scheduler and the outbound HTTP router read the stamp
// to keep work on the thread that asked for it (no wake-up of another thread).
// This is the only thread-local the runtime has. It identifies the pool by its
// io_context list, so two servers in one process (tests) never mistake each other's
// threads for their own.
// The stamp also carries the work deferred to the end of the current actor run
// (`defer_to_end_of_actor_run`): a socket that an actor on its own thread pushed frames
// to sends them once the run is over, all in one send, instead of the first at once.
// Thread-safety: each thread sees only its own stamp; reading it is free.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace so::net {

/// Work an actor's handler started and the end of its run finishes (websocket writes).
class end_of_actor_run_task {
 public:
  virtual void at_end_of_actor_run() = 0;

 protected:
  ~end_of_actor_run_task() = default;
};

/// The stamp of one io thread: the io_context it runs and its index in its pool.
struct io_thread_stamp {
  const boost::asio::io_context* io = nullptr;  ///< null on every non-io thread
  std::size_t index = 0;
  /// True while the io scheduler resumes an actor on this thread (so the code running
  /// is an actor's handler, not one of a socket's own completion handlers).
  bool in_actor = false;
  /// Run (and released) when the current actor run ends; empty outside one.
  std::vector<std::shared_ptr<end_of_actor_run_task>> at_end_of_run;
};

namespace detail {
inline thread_local io_thread_stamp current_io_thread_stamp{};
}  // namespace detail

/// The calling thread's stamp ({nullptr, 0} when it is not an io thread).
inline const io_thread_stamp& current_io_thread() noexcept {
  return detail::current_io_thread_stamp;
}

/// Called once by an io thread before it runs its io_context; never elsewhere.
inline void stamp_current_io_thread(const boost::asio::io_context* io, std::size_t index) noexcept {
  auto& s = detail::current_io_thread_stamp;
  s.io = io;
  s.index = index;
}

/// Called by the io scheduler before each actor resume on an io thread.
inline void begin_actor_run() noexcept {
  detail::current_io_thread_stamp.in_actor = true;
}

/// Called by the io scheduler after each actor resume on an io thread: runs what the
/// run deferred (in the order it was deferred), then forgets it.
inline void end_actor_run() {
  auto& s = detail::current_io_thread_stamp;
  s.in_actor = false;
  if (s.at_end_of_run.empty()) return;
  // Swapped out first: a task may defer again (it then runs at the next run's end).
  auto tasks = std::move(s.at_end_of_run);
  for (auto& t : tasks) t->at_end_of_actor_run();
  tasks.clear();
  if (s.at_end_of_run.empty()) s.at_end_of_run = std::move(tasks);  // keeps the capacity
}

/// Defers `task` to the end of the current actor run. Only while `in_actor`.
inline void defer_to_end_of_actor_run(std::shared_ptr<end_of_actor_run_task> task) {
  detail::current_io_thread_stamp.at_end_of_run.push_back(std::move(task));
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
