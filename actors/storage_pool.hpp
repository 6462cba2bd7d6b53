// actors/storage_pool.hpp — where storage and knowledge calls run.
//
// Calls that may block (a database round trip) never run on a CAF scheduler
// thread or an I/O thread. They run on detached workers, each with a thread of
// its own (each will own one database connection):
//  - `workers` storage workers. A job goes to the worker its shard key hashes
//    to (the conversation id for conversation and message calls, the session id
//    where that is all the caller has), so one conversation's jobs run one at a
//    time, in submission order.
//  - one knowledge worker for knowledge retrieval, so a slow query never stalls
//    a session lookup or a message write.
//  - one indexing worker for indexing passes (POST /admin/connectors/{id}/index:
//    a connector pull, embedding and the store writes), so a long pass never
//    stalls retrieval or storage. Passes run one at a time, in submission order.
//
// Bounds (the behaviour at each is part of the contract):
//  - Queue: at most `queue_bound` jobs wait (submitted, not yet started) across
//    the storage workers, and as many again on the knowledge worker; at most
//    `indexing_queue_bound` passes wait on the indexing worker. A job that
//    would exceed the bound is refused AT ONCE, on the caller's thread, with
//    STORAGE_BUSY; it is never queued.
//  - Deadline: every job carries `submit time + timeout`. A worker that picks a
//    job up after its deadline does not run it and answers STORAGE_TIMEOUT. The
//    caller's request timeout is the same `timeout`, measured from a later
//    instant, so a job whose caller already gave up is never started. A job
//    that started before its deadline runs to completion.
//
// Inline execution: when the storage adapter says it never blocks
// (`storage::may_block() == false`, the in-memory adapter), storage jobs run
// inline on the caller's thread — no queue, no hop, no busy/timeout. Knowledge
// jobs always go to the knowledge worker (a query is CPU work over the whole
// store), indexing jobs always to the indexing worker (a pass reads files and
// the network).
//
// Use the helpers of actors/storage_calls.hpp (actors) or `post` (callbacks)
// instead of messaging workers by hand.
//
// Thread-safety: every member may be called from any thread. `stop()` ends the
// workers (at shutdown, before awaiting all actors); calls after it fail with
// STORAGE_ERROR replies from CAF (the worker is gone). Destroy the pool before
// its actor system (the destructor calls `stop()`).
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/storage/storage.hpp"
#include "adapters/telemetry/server_metrics.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace so::actors {

/// Why a storage call did not produce a value.
struct storage_failure {
  /// protocol::codes::storage_error (the adapter threw), storage_busy (refused
  /// at the queue bound) or storage_timeout (not started, or not answered, by
  /// its deadline).
  std::string_view code;
  std::string message;

  /// True when the adapter itself failed (not a pool limit).
  bool adapter_error() const;
  /// The code a caller emits: `adapter_code` for adapter failures (each call
  /// site keeps its historical STORAGE_ERROR / INTERNAL_ERROR / AGENT_ERROR),
  /// the pool's own code otherwise.
  std::string_view code_or(std::string_view adapter_code) const {
    return adapter_error() ? adapter_code : code;
  }
};

/// Selects the knowledge worker (see storage_route).
struct knowledge_lane_t {};
inline constexpr knowledge_lane_t knowledge_lane{};
/// Selects the indexing worker (see storage_route).
struct indexing_lane_t {};
inline constexpr indexing_lane_t indexing_lane{};

/// Where a job runs: the storage worker of a shard key, the knowledge worker or
/// the indexing worker.
class storage_route {
 public:
  storage_route(std::string_view shard_key) : knowledge_(false), hash_(hash(shard_key)) {}
  storage_route(const std::string& shard_key) : storage_route(std::string_view(shard_key)) {}
  storage_route(const char* shard_key) : storage_route(std::string_view(shard_key)) {}
  storage_route(knowledge_lane_t) : knowledge_(true), hash_(0) {}
  storage_route(indexing_lane_t) : knowledge_(false), indexing_(true), hash_(0) {}

  bool knowledge() const { return knowledge_; }
  bool indexing() const { return indexing_; }
  std::size_t shard_hash() const { return hash_; }

 private:
  static std::size_t hash(std::string_view key);
  bool knowledge_;
  bool indexing_ = false;
  std::size_t hash_;
};

/// One job for a worker. Built by storage_calls.hpp / `post`.
struct storage_task {
  /// Runs the job; the returned message answers the request that carried it.
  std::function<caf::message(adapters::storage&, adapters::knowledge_base&)> run;
  /// Answers for a job that is not run (its deadline passed).
  std::function<caf::message(storage_failure)> refuse;
  std::chrono::steady_clock::time_point deadline;
};

struct storage_pool_options {
  unsigned workers = 4;                     ///< SMOOTH_AGENT_STORAGE_WORKERS (at least 1 is used)
  std::size_t queue_bound = 1024;           ///< SMOOTH_AGENT_STORAGE_QUEUE (at least 1 is used)
  std::chrono::milliseconds timeout{5000};  ///< SMOOTH_AGENT_STORAGE_TIMEOUT_MS
  /// Indexing passes waiting behind the running one; one more is refused with
  /// STORAGE_BUSY. A waiting pass not started within `timeout` answers
  /// STORAGE_TIMEOUT (a pass may run for long: index one connector at a time).
  std::size_t indexing_queue_bound = 4;
  /// Job latency (workers only: inline jobs are not timed) and refusals (/metrics); null: not.
  adapters::telemetry::server_metrics_ptr metrics;
};

class storage_pool {
 public:
  /// Spawns the workers (none for storage when the adapter never blocks).
  storage_pool(caf::actor_system& sys, adapters::storage_ptr storage,
               adapters::knowledge_base_ptr knowledge, storage_pool_options options);
  ~storage_pool();
  storage_pool(const storage_pool&) = delete;
  storage_pool& operator=(const storage_pool&) = delete;

  /// True when jobs of `route` run inline on the caller's thread.
  bool runs_inline(const storage_route& route) const;
  std::chrono::milliseconds timeout() const { return options_.timeout; }

  /// For inline jobs (see runs_inline); `knowledge().known_empty()` from any thread.
  adapters::storage& storage() const { return *storage_; }
  adapters::knowledge_base& knowledge() const { return *knowledge_; }

  /// Reserves a queue slot for a job of `route`: the worker to send it to, or a
  /// null actor when the bound is reached (the caller answers `busy(route)`).
  /// The worker releases the slot when it picks the job up.
  caf::actor admit(const storage_route& route);
  storage_failure busy(const storage_route& route) const;
  /// What a caller whose request to a worker failed reports.
  storage_failure failure_of(const caf::error& e) const;

  /// Callback style (no actor needed): runs `run` on the route's worker (or
  /// inline). `refused` is called instead — synchronously for STORAGE_BUSY, on
  /// the worker for STORAGE_TIMEOUT — when the job is not run. Exceptions from
  /// `run` are the caller's to catch.
  void post(const storage_route& route,
            std::function<void(adapters::storage&, adapters::knowledge_base&)> run,
            std::function<void(storage_failure)> refused);

  /// Jobs waiting (admitted, not yet started) on the storage workers and on the
  /// knowledge worker. For tests and introspection.
  std::size_t waiting_storage() const;
  std::size_t waiting_knowledge() const;
  std::size_t waiting_indexing() const;

  /// Ends every worker (shutdown). Idempotent.
  void stop();

  /// Queue accounting shared with the workers (one per lane).
  struct lane {
    explicit lane(std::size_t b) : bound(b) {}
    std::atomic<std::size_t> waiting{0};
    const std::size_t bound;
  };

 private:
  lane& lane_of(const storage_route& route) const;
  adapters::storage_ptr storage_;
  adapters::knowledge_base_ptr knowledge_;
  storage_pool_options options_;
  bool inline_storage_;
  std::shared_ptr<lane> storage_lane_;
  std::shared_ptr<lane> knowledge_lane_;
  std::shared_ptr<lane> indexing_lane_;
  std::vector<caf::actor> storage_workers_;  ///< fixed after construction
  caf::actor knowledge_worker_;
  caf::actor indexing_worker_;
  std::atomic<bool> stopped_{false};
};

using storage_pool_ptr = std::shared_ptr<storage_pool>;

}  // namespace so::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::storage_task)
