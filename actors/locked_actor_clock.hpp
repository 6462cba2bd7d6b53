// actors/locked_actor_clock.hpp — CAF's actor clock without a wake-up per request.
//
// CAF's own `thread_safe_actor_clock` pushes every timer event (each `request`
// with a timeout, each cancellation when the reply arrives) through a queue to
// its dispatch thread and wakes it every time: one cross-thread wake-up per
// request on our hottest path (create_conversation_session). This clock keeps
// CAF's `simple_actor_clock` schedule under a mutex instead: callers change the
// schedule in place, and the dispatch thread is notified only when a new
// deadline is earlier than the one it is sleeping towards.
// Expired events are shipped, and their actor references dropped, outside the
// lock: dropping the last reference to an actor runs its cleanup, which calls
// back into the clock.
// Request timeouts get their own store. CAF 0.17.6 never cancels a request
// timeout when the reply arrives (every `request(.., 30s, ..)` leaves an entry
// for 30 s), so they are many: they sit in FIFOs per rounded duration (an append,
// not two tree inserts into ever bigger trees), and hold only a weak reference
// (a finished actor is freed at once, and its stale timeouts are skipped).
// Thread-safety: every actor_clock member may be called from any thread;
// `run_dispatch_loop` runs on exactly one thread until `cancel_dispatch_loop`.
#pragma once

#include <caf/detail/simple_actor_clock.hpp>

#include <caf/weak_intrusive_ptr.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>

namespace so::actors {

class locked_actor_clock final : public caf::detail::simple_actor_clock {
 public:
  using super = caf::detail::simple_actor_clock;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override;
  void cancel_all() override;

  /// Ships due events until `cancel_dispatch_loop`; pending events are then dropped.
  void run_dispatch_loop();
  void cancel_dispatch_loop();

  /// Wake-ups of the dispatch thread caused by a new earliest deadline (tests).
  std::size_t notifications() const;
  /// Request timeouts currently stored (tests).
  std::size_t pending_request_timeouts() const;

 private:
  struct request_entry {
    time_point due;
    caf::weak_actor_ptr self;
    caf::message_id id;
  };
  /// Rounded timeout duration (ms) → entries sorted by `due`.
  using request_fifos = std::map<std::int64_t, std::deque<request_entry>>;

  /// After adding a deadline `t` under `lock`: wakes the dispatch thread only if
  /// `t` is before what it is sleeping towards.
  void notify_if_earlier(time_point t, std::unique_lock<std::mutex>& lock);
  /// Earliest deadline of both stores (max() when both are empty). Lock held.
  time_point next_due() const;

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  /// What the dispatch thread sleeps towards; min() while it is not sleeping
  /// (it looks at the schedule again before sleeping), max() when it sleeps
  /// with nothing scheduled.
  time_point sleeping_until_ = time_point::min();
  std::size_t notifications_ = 0;
  request_fifos requests_;
  std::size_t request_count_ = 0;
};

}  // namespace so::actors
