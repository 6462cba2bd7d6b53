// adapters/storage/postgres_pool.cpp — see postgres_pool.hpp.
#include "adapters/storage/postgres_pool.hpp"

#include <algorithm>

namespace so::adapters::pg {

pool::lease::~lease() {
  if (pool_ && conn_) pool_->give_back(std::move(conn_));
}

pool::pool(std::string conninfo, options opts) : conninfo_(std::move(conninfo)), opts_(opts) {}

std::size_t pool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

pool::lease pool::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->still_alive()) return lease(*this, std::move(c));
      --open_;  // closed by the server while idle: drop it, try the next one
    }
    if (open_ < std::max<std::size_t>(1, opts_.max_connections)) break;
    returned_.wait(lock);
  }
  const auto now = std::chrono::steady_clock::now();
  if (failures_ > 0 && now < retry_at_) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count();
    throw storage_error("database unavailable (next reconnect attempt in " + std::to_string(wait) +
                        " ms): " + last_error_);
  }
  ++open_;  // reserve the slot; connect without holding the lock
  lock.unlock();
  try {
    auto c = std::make_unique<connection>(conninfo_, opts_.connect_timeout_s);
    lock.lock();
    failures_ = 0;
    return lease(*this, std::move(c));
  } catch (const storage_error& e) {
    lock.lock();
    --open_;
    ++failures_;
    auto delay = opts_.backoff_min * (1LL << std::min(failures_ - 1, 10u));
    retry_at_ = std::chrono::steady_clock::now() +
                std::min<std::chrono::milliseconds>(delay, opts_.backoff_max);
    last_error_ = e.what();
    returned_.notify_one();
    throw;
  }
}

void pool::give_back(std::unique_ptr<connection> c) {
  std::lock_guard lock(mutex_);
  if (c->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(c));
  }
  returned_.notify_one();
}

}  // namespace so::adapters::pg
