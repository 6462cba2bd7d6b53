// actors/io_scheduler.hpp — a CAF scheduler that runs actors on the io threads.
//
// CAF 0.17.6 uses an application-supplied scheduler module when one is loaded
// through the config (stack.md §14). This one has no worker threads: `enqueue`
// posts the actor to an io_context of the io_thread_pool, and the io thread
// resumes it between socket handlers.
//   - Locality: an actor woken from an io thread runs on that same thread (its
//     own io_context, asio's thread-private queue: no wake-up). So a connection
//     actor woken by its socket's read handler runs there, and so do the session
//     and turn actors it messages, and the reply write it posts.
//   - Except a pinned actor (`pin_here`: the connection actors, each on its socket's
//     thread): woken from another io thread, it is posted back to its home. Without
//     this, a reply from a shared actor (the session directory, running on the other
//     thread) woke a connection there, and the turn it started streamed all its
//     tokens from that thread to a socket on this one: every frame crossed threads
//     and was freed into another thread's malloc arena (docs/benchmarks.md).
//   - From any other thread (storage workers, the clock, tests, main) the actor
//     goes back to the io thread it last ran on (a reply from a storage worker
//     lands where the request was made, next to the socket), or, for an actor that
//     never ran, to one chosen by hashing its address. "Last ran on" is a hint
//     kept in a fixed table indexed by address hash: a collision only costs
//     locality, never correctness.
//   - Timeouts and delayed messages: a locked_actor_clock on one extra thread,
//     woken only when a new deadline is the earliest.
// Lifetime: the server keeps the io threads running until every actor is done
// (await_all_actors_done needs them), stops them, calls `detach_io_contexts()`,
// destroys the contexts, then the actor system. After detaching, enqueued actors
// are parked and cleaned up in `stop()`.
// Thread-safety: `enqueue` from any thread; one resume at a time per actor is
// CAF's own guarantee (an actor is enqueued only when it goes from idle to ready).
#pragma once

#include "actors/actor_home_table.hpp"
#include "actors/locked_actor_clock.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace so::actors {

/// The actor system config that selects the io_scheduler. The contexts must
/// outlive the system, or be detached first (see above).
class io_scheduler_config : public caf::actor_system_config {
 public:
  explicit io_scheduler_config(std::vector<boost::asio::io_context*> contexts);
  std::vector<boost::asio::io_context*> io_contexts;
  /// Messages our actors did not expect (actors/unexpected_messages.hpp). Mutable: the
  /// system only hands its config out as const.
  mutable std::atomic<std::uint64_t> unexpected_messages{0};
};

class io_scheduler final : public caf::scheduler::abstract_coordinator {
 public:
  using super = caf::scheduler::abstract_coordinator;

  io_scheduler(caf::actor_system& sys, std::vector<boost::asio::io_context*> contexts);
  ~io_scheduler() override;

  /// CAF's module factory; reads the contexts from the io_scheduler_config.
  static caf::actor_system::module* make(caf::actor_system& sys, caf::detail::type_list<>);

  /// The system's io_scheduler, or nullptr when it runs another scheduler.
  static io_scheduler* of(caf::actor_system& sys);

  void enqueue(caf::resumable* what) override;
  locked_actor_clock& clock() noexcept override { return clock_; }

  /// From now on nothing is posted to the io_contexts; actors enqueued later wait
  /// for `stop()`. Call after the io threads are joined, before the contexts die.
  void detach_io_contexts();

  /// Homes `actor` on the calling io thread: from now on it runs there whoever wakes
  /// it (see above). No-op off the io threads. Forgotten when the actor finishes; a
  /// full bucket of the home table leaves it unpinned, which only costs locality.
  void pin_here(const caf::actor& actor);
  /// Homes `actor` where `model` is pinned (a session or turn on the thread of the
  /// connection that asked for it); no-op when `model` is not pinned. An actor pinned
  /// after it was already posted elsewhere moves home before it runs.
  void pin_like(const caf::actor& actor, const caf::strong_actor_ptr& model);

  /// The pins (for tests and figures: `homes().overflows()`).
  const actor_home_table& homes() const { return homes_; }

  /// Number of io threads (= io_contexts).
  std::size_t io_threads() const { return contexts_.size(); }

  /// Resumes `r` on the calling io thread `slot` (the posted handler's body).
  void resume_on(std::size_t slot, caf::resumable* r);

 protected:
  void start() override;
  void stop() override;

 private:
  class unit;
  void post(std::size_t slot, caf::resumable* r);
  /// Posts to a context that may not be the calling thread's (counted for detaching).
  void post_counted(std::size_t slot, caf::resumable* r);
  void park(caf::resumable* r);

  std::vector<boost::asio::io_context*> contexts_;
  std::vector<std::unique_ptr<unit>> units_;
  locked_actor_clock clock_;
  std::thread clock_thread_;
  // Detaching: posts in flight are counted so `detach_io_contexts` can wait them out.
  std::atomic<bool> attached_{true};
  std::atomic<std::size_t> posting_{0};
  // Hint table: address hash → io slot the actor last ran on (kNoSlot: none yet).
  std::unique_ptr<std::atomic<std::uint8_t>[]> last_slot_;
  // The io slot of every pinned actor.
  actor_home_table homes_;
  std::mutex parked_mtx_;
  std::vector<caf::resumable*> parked_;  // strong refs, released in stop()
};

}  // namespace so::actors
