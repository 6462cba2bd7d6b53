// adapters/storage/postgres_pool.hpp — a bounded set of PostgreSQL connections, checked out per
// call.
//
// At most `max_connections` connections exist (the server sizes it to
// SMOOTH_AGENT_STORAGE_WORKERS, so every storage worker can hold one at once and
// none ever waits here). A call checks one out for its duration and gives it back.
// Checkout per call rather than one connection per worker thread: the adapter does
// not know the pool's threads (tests and tools call it from any thread), and a
// thread_local connection would be global state that outlives the adapter.
//
// Bound: when all `max_connections` are checked out, `acquire` waits until one is
// returned (callers are the bounded storage workers, so the wait is short).
//
// Faults (issue 9 item 7): a connection found dead — when checked out (the server
// closed it while idle) or after a call failed with the server gone — is discarded
// and the next checkout connects afresh. A failed connect starts a backoff (100 ms,
// doubling to 5 s): during it `acquire` fails at once with storage_error instead
// of hammering a database that is down; the first successful connect resets it.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include "adapters/storage/postgres_connection.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace so::adapters::pg {

class pool {
 public:
  struct options {
    std::size_t max_connections = 4;
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{5000};
    int connect_timeout_s = 5;
  };

  /// A checked-out connection; returns it to the pool on destruction (or drops it
  /// when it is broken).
  class lease {
   public:
    lease(pool& p, std::unique_ptr<connection> c) : pool_(&p), conn_(std::move(c)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    lease& operator=(lease&&) = delete;
    ~lease();
    connection& operator*() const { return *conn_; }
    connection* operator->() const { return conn_.get(); }

   private:
    pool* pool_;
    std::unique_ptr<connection> conn_;
  };

  pool(std::string conninfo, options opts);

  /// A live connection (see the header comment for waits and failures).
  lease acquire();

  /// Connections currently open (idle + checked out).
  std::size_t open_connections() const;

 private:
  void give_back(std::unique_ptr<connection> c);

  const std::string conninfo_;
  const options opts_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;  ///< idle + checked out + being connected
  unsigned failures_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
  std::string last_error_;
};

}  // namespace so::adapters::pg
