// tests/actors/io_runtime.hpp — an actor system on the io_scheduler, torn down in the
// server's order. Test support only.
#pragma once

#include "actors/io_scheduler.hpp"
#include "actors/io_thread_pool.hpp"
#include "net/io_thread_index.hpp"

#include <caf/actor_system.hpp>

#include <cstddef>
#include <optional>

namespace so::actors {

/// The server's order (net/server.cpp): io threads run until every actor is done,
/// then stop, the scheduler detaches, the contexts die, then the actor system.
struct io_runtime {
  explicit io_runtime(std::size_t threads, bool start = true)
      : pool(threads), cfg(pool.contexts()) {
    sys.emplace(cfg);
    if (start) pool.start();
  }
  ~io_runtime() { shutdown(); }
  void shutdown() {
    if (!sys) return;
    sys->await_all_actors_done();
    pool.stop();
    io_scheduler::of(*sys)->detach_io_contexts();
    pool.destroy_contexts();
    sys.reset();
  }
  /// The io thread index the caller runs on (-1: none of ours).
  std::size_t my_slot() const { return so::net::own_io_slot(pool.contexts()); }

  io_thread_pool pool;
  io_scheduler_config cfg;
  std::optional<caf::actor_system> sys;
};

}  // namespace so::actors
