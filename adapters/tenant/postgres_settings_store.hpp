// adapters/tenant/postgres_settings_store.hpp — per-org agent settings on PostgreSQL
// (table `agent_settings`, schema migration 3), and the non-blocking persona view
// turns read.
//
// `get`/`put` have the in-memory store's semantics (tests/adapters/
// tenant_store_contract.hpp): a missing row reads as the defaults stamped with the
// org and `updated_at` = the clock's now; `put` replaces the org's row whole. Unlike
// the reference (which drops it on PostgreSQL), `persona` is stored: turns apply it.
// A database error is a storage_error (never silently the defaults: an admin would
// then overwrite real settings with them). Timestamps keep microseconds.
//
// `persona_view()` never touches the database: it answers from an in-memory
// snapshot of every org's persona, which is
//  - loaded at construction (a database that cannot be read stops construction),
//  - updated by this store's own `put` as soon as the row has committed, and
//  - reloaded in full every `refresh_period` by a refresher thread this store owns
//    (SMOOTH_AGENT_SETTINGS_REFRESH_SECS, default 5 s), which picks up other
//    processes' writes. Staleness bound: a write committed elsewhere at time t is
//    visible here by t + refresh_period + one query (while the database is down the
//    last snapshot stays in use; the failure is logged once per outage). A reload
//    never reverts a local `put` that committed after the reload's query started.
// The destructor stops the refresher and joins it (waiting at most for the reload
// in flight, bounded by the pool's connect timeout).
// Thread-safety: every member may be called from any thread at once. `get`/`put`
// BLOCK on the network (storage workers only); `persona_view()` and the view it
// returns never block beyond a short shared lock, so turns call it on io threads.
// The view shares the snapshot and stays valid after the store is gone (frozen).
#pragma once

#include "adapters/storage/postgres_pool.hpp"
#include "adapters/tenant/settings_store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace so::adapters::tenant {

class postgres_settings_store final : public settings_store {
 public:
  struct options {
    protocol::clock_ptr clock;                       ///< stamps defaults; null = system clock
    std::chrono::milliseconds refresh_period{5000};  ///< persona snapshot reload period (> 0)
    /// Tests only: runs on the reloading thread between a reload's query and its
    /// apply (where a concurrent local put could otherwise be reverted).
    std::function<void()> between_reload_query_and_apply;
  };

  /// Loads the persona snapshot and starts the refresher. `pool` points at a
  /// database migrated to schema version 3 or later. Throws storage_error.
  postgres_settings_store(std::shared_ptr<pg::pool> pool, options opts);
  ~postgres_settings_store() override;
  postgres_settings_store(const postgres_settings_store&) = delete;
  postgres_settings_store& operator=(const postgres_settings_store&) = delete;

  agent_settings get(const std::string& org) override;
  void put(const agent_settings& s) override;
  llm::persona_source_ptr persona_view() const override;

  /// One full reload of the persona snapshot, now (what the refresher runs each
  /// period; blocks). Throws storage_error.
  void refresh_now();
  /// Reloads completed so far (by the refresher or `refresh_now`); tests wait on it.
  std::uint64_t refreshes() const;

  struct snapshot;  ///< org → persona, shared with the views (defined in the .cpp)

 private:
  void refresher_loop();

  std::shared_ptr<pg::pool> pool_;
  protocol::clock_ptr clock_;
  std::chrono::milliseconds period_;
  std::function<void()> between_query_and_apply_;
  std::shared_ptr<snapshot> snapshot_;
  std::mutex put_mu_;  ///< local puts commit and reach the snapshot in one order

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread refresher_;  ///< last: started once everything above exists
};

}  // namespace so::adapters::tenant
