// actors/otp_worker.cpp — see otp_worker.hpp.
#include "actors/otp_worker.hpp"

#include "actors/unexpected_messages.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <algorithm>

namespace so::actors {

namespace {

using lane_ptr = std::shared_ptr<otp_workers::lane>;

/// One worker: one call at a time, in submission order.
caf::behavior otp_worker(caf::event_based_actor* self, lane_ptr lane,
                         adapters::auth::otp_service_ptr service) {
  self->set_default_handler(log_unexpected("otp_worker"));
  return {
      [=](otp_run_atom, otp_task& task) -> caf::message {
        lane->waiting.fetch_sub(1, std::memory_order_relaxed);
        if (std::chrono::steady_clock::now() >= task.deadline) return task.refuse();
        return task.run(*service);  // catches the service's own exceptions
      },
  };
}

}  // namespace

otp_workers::otp_workers(caf::actor_system& sys, adapters::auth::otp_service_ptr service,
                         otp_workers_options options)
    : options_(options),
      lane_(std::make_shared<lane>(std::max<std::size_t>(1, options.queue_bound))) {
  const unsigned n = std::max(1u, options_.workers);
  for (unsigned i = 0; i < n; ++i)
    workers_.push_back(sys.spawn<caf::detached>(otp_worker, lane_, service));
}

otp_workers::~otp_workers() {
  stop();
}

caf::actor otp_workers::admit() {
  if (stopped_.load()) return nullptr;
  auto waiting = lane_->waiting.load(std::memory_order_relaxed);
  do {
    if (waiting >= lane_->bound) return nullptr;
  } while (!lane_->waiting.compare_exchange_weak(waiting, waiting + 1));
  return workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

void otp_workers::stop() {
  if (stopped_.exchange(true)) return;
  for (const auto& w : workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

}  // namespace so::actors
