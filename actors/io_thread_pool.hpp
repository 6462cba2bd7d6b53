// actors/io_thread_pool.hpp — N threads, each running its own io_context.
//
// The runtime's only threads for sockets and actors (docs/architecture.md
// "Threads"): every io_context is built with concurrency hint 1, so a handler
// posted from the thread that runs the context goes to asio's thread-private
// queue (no eventfd write, no futex). Each thread is stamped with its index
// (net/io_thread_index.hpp) before it runs. A thread with nothing to do yields its
// core once and looks again before it sleeps (io_thread_pool.cpp says why).
// Lifetime: `start` once, `stop` once (idempotent); the contexts live until the
// pool is destroyed, so sockets and queued handlers can be destroyed after the
// threads are gone and before the actor system (stack.md §4.4).
// Thread-safety: `contexts()`/`size()` from any thread; `start`/`stop`/dtor from
// one owning thread, never from an io thread.
#pragma once

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace so::actors {

class io_thread_pool {
 public:
  /// `threads` = 0 means std::thread::hardware_concurrency() (at least 1).
  explicit io_thread_pool(std::size_t threads);
  ~io_thread_pool();

  io_thread_pool(const io_thread_pool&) = delete;
  io_thread_pool& operator=(const io_thread_pool&) = delete;

  std::size_t size() const { return contexts_.size(); }
  /// Stable until `destroy_contexts()` (then empty); index i is run by thread i.
  const std::vector<boost::asio::io_context*>& contexts() const { return raw_; }
  boost::asio::io_context& context(std::size_t i) const { return *raw_.at(i); }

  /// Starts one thread per context; each keeps running while idle.
  void start();
  /// Stops every context (pending handlers stay queued, undestroyed) and joins
  /// the threads. Idempotent.
  void stop();
  /// Destroys the io_contexts now, and with them every socket and queued handler.
  /// Only after `stop()`, and after anything that posts to them (the io_scheduler)
  /// was detached. Idempotent.
  void destroy_contexts();

 private:
  struct guard;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::io_context*> raw_;
  std::vector<std::unique_ptr<guard>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace so::actors
