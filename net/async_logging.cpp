// net/async_logging.cpp — see async_logging.hpp.
#include "net/async_logging.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/spdlog.h>

namespace so::net {

async_logging::async_logging(std::string name, spdlog::sink_ptr sink, std::size_t queue_size)
    : previous_(spdlog::default_logger()),
      pool_(std::make_shared<spdlog::details::thread_pool>(queue_size, 1)) {
  logger_ = std::make_shared<spdlog::async_logger>(std::move(name), std::move(sink), pool_,
                                                   spdlog::async_overflow_policy::overrun_oldest);
  logger_->set_level(previous_ ? previous_->level() : spdlog::level::info);
  spdlog::set_default_logger(logger_);
}

async_logging::~async_logging() {
  if (previous_) spdlog::set_default_logger(previous_);
  logger_->flush();  // queued behind every pending message
  logger_.reset();
  // The pool's destructor queues a stop behind every pending message and joins
  // its thread: everything logged so far is written before this returns.
  pool_.reset();
}

std::size_t async_logging::overruns() const {
  return pool_->overrun_counter();
}

}  // namespace so::net
