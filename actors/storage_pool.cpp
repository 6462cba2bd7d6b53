// actors/storage_pool.cpp — see storage_pool.hpp.
#include "actors/storage_pool.hpp"

#include "actors/messages.hpp"
#include "actors/unexpected_messages.hpp"
#include "protocol/error_codes.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>
#include <utility>

namespace so::actors {

namespace codes = protocol::codes;

bool storage_failure::adapter_error() const {
  return code == codes::storage_error;
}

std::size_t storage_route::hash(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

namespace {

using lane_ptr = std::shared_ptr<storage_pool::lane>;

/// One worker: runs its jobs one at a time, in mailbox (= submission) order.
caf::behavior storage_worker(caf::event_based_actor* self, lane_ptr lane,
                             adapters::storage_ptr storage, adapters::knowledge_base_ptr knowledge,
                             std::chrono::milliseconds timeout,
                             adapters::telemetry::server_metrics_ptr metrics) {
  self->set_default_handler(log_unexpected("storage_worker"));
  return {
      [=](run_atom, storage_task& task) -> caf::message {
        lane->waiting.fetch_sub(1, std::memory_order_relaxed);
        // Submitted `timeout` before its deadline: the latency includes the queue wait.
        struct timed {
          const adapters::telemetry::server_metrics_ptr& m;
          std::chrono::steady_clock::time_point submitted;
          ~timed() {
            if (m) m->storage_job_latency.observe(std::chrono::steady_clock::now() - submitted);
          }
        } timer{metrics, task.deadline - timeout};
        if (std::chrono::steady_clock::now() >= task.deadline) {
          if (metrics) metrics->storage_refusals.add("timeout");
          return task.refuse(
              storage_failure{codes::storage_timeout, "storage job not started within " +
                                                          std::to_string(timeout.count()) +
                                                          " ms (SMOOTH_AGENT_STORAGE_TIMEOUT_MS)"});
        }
        try {
          return task.run(*storage, *knowledge);
        } catch (const std::exception& e) {
          // Jobs built by storage_calls.hpp catch their own errors; this guards the others.
          spdlog::error("storage job failed outside its handler: {}", e.what());
          return caf::make_message(caf::make_error(caf::sec::runtime_error, e.what()));
        }
      },
  };
}

}  // namespace

storage_pool::storage_pool(caf::actor_system& sys, adapters::storage_ptr storage,
                           adapters::knowledge_base_ptr knowledge, storage_pool_options options)
    : storage_(std::move(storage)),
      knowledge_(std::move(knowledge)),
      options_(options),
      inline_storage_(!storage_->may_block()),
      storage_lane_(std::make_shared<lane>(std::max<std::size_t>(1, options.queue_bound))),
      knowledge_lane_(std::make_shared<lane>(std::max<std::size_t>(1, options.queue_bound))),
      indexing_lane_(
          std::make_shared<lane>(std::max<std::size_t>(1, options.indexing_queue_bound))) {
  if (!inline_storage_) {
    const unsigned n = std::max(1u, options_.workers);
    storage_workers_.reserve(n);
    for (unsigned i = 0; i < n; ++i)
      storage_workers_.push_back(sys.spawn<caf::detached>(
          storage_worker, storage_lane_, storage_, knowledge_, options_.timeout, options_.metrics));
  }
  knowledge_worker_ = sys.spawn<caf::detached>(storage_worker, knowledge_lane_, storage_,
                                               knowledge_, options_.timeout, options_.metrics);
  indexing_worker_ = sys.spawn<caf::detached>(storage_worker, indexing_lane_, storage_, knowledge_,
                                              options_.timeout, options_.metrics);
}

storage_pool::~storage_pool() {
  stop();
}

bool storage_pool::runs_inline(const storage_route& route) const {
  return !route.knowledge() && !route.indexing() && inline_storage_;
}

storage_pool::lane& storage_pool::lane_of(const storage_route& route) const {
  if (route.indexing()) return *indexing_lane_;
  return route.knowledge() ? *knowledge_lane_ : *storage_lane_;
}

caf::actor storage_pool::admit(const storage_route& route) {
  const bool k = route.knowledge();
  const bool ix = route.indexing();
  if (!k && !ix && storage_workers_.empty()) return {};  // inline pools have no storage worker
  auto& l = lane_of(route);
  // Reserve first, then check: concurrent callers can never overshoot the bound.
  if (l.waiting.fetch_add(1, std::memory_order_relaxed) >= l.bound) {
    l.waiting.fetch_sub(1, std::memory_order_relaxed);
    if (options_.metrics) options_.metrics->storage_refusals.add("busy");
    return {};
  }
  if (k) return knowledge_worker_;
  if (ix) return indexing_worker_;
  return storage_workers_[route.shard_hash() % storage_workers_.size()];
}

storage_failure storage_pool::busy(const storage_route& route) const {
  const auto& l = lane_of(route);
  if (route.indexing())
    return {codes::storage_busy,
            "indexing is busy: " + std::to_string(l.bound) + " indexing passes already waiting"};
  return {codes::storage_busy, std::string("storage is busy: ") + std::to_string(l.bound) + " " +
                                   (route.knowledge() ? "knowledge" : "storage") +
                                   " jobs already waiting (SMOOTH_AGENT_STORAGE_QUEUE)"};
}

storage_failure storage_pool::failure_of(const caf::error& e) const {
  if (e == caf::sec::request_timeout)
    return {codes::storage_timeout, "no storage reply within " +
                                        std::to_string(options_.timeout.count()) +
                                        " ms (SMOOTH_AGENT_STORAGE_TIMEOUT_MS)"};
  return {codes::storage_error, caf::to_string(e)};
}

void storage_pool::post(const storage_route& route,
                        std::function<void(adapters::storage&, adapters::knowledge_base&)> run,
                        std::function<void(storage_failure)> refused) {
  if (runs_inline(route)) return run(*storage_, *knowledge_);
  auto worker = admit(route);
  if (!worker) return refused(busy(route));
  storage_task task;
  task.deadline = std::chrono::steady_clock::now() + options_.timeout;
  task.run = [run = std::move(run)](adapters::storage& s, adapters::knowledge_base& k) {
    run(s, k);
    return caf::message{};
  };
  task.refuse = [refused = std::move(refused)](storage_failure f) {
    refused(std::move(f));
    return caf::message{};
  };
  caf::anon_send(worker, run_atom::value, std::move(task));
}

std::size_t storage_pool::waiting_storage() const {
  return storage_lane_->waiting.load(std::memory_order_relaxed);
}

std::size_t storage_pool::waiting_knowledge() const {
  return knowledge_lane_->waiting.load(std::memory_order_relaxed);
}

std::size_t storage_pool::waiting_indexing() const {
  return indexing_lane_->waiting.load(std::memory_order_relaxed);
}

void storage_pool::stop() {
  // Handles stay valid (other threads may still route to them): messages to an
  // exited worker bounce, and their callers see an error reply.
  if (stopped_.exchange(true)) return;
  for (const auto& w : storage_workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  if (knowledge_worker_) caf::anon_send_exit(knowledge_worker_, caf::exit_reason::user_shutdown);
  if (indexing_worker_) caf::anon_send_exit(indexing_worker_, caf::exit_reason::user_shutdown);
}

}  // namespace so::actors
