// net/async_logging.hpp — the process's default logger, never blocking its callers.
//
// A log call from a scheduler/io thread must never wait for stderr (a stuck
// terminal or a full pipe would stall every actor on that thread). While an
// `async_logging` object lives, the default spdlog logger is an async logger:
// a call formats the message and puts it in a bounded queue (`queue_size`
// messages); one background thread writes it to the sink. At the bound the
// OLDEST queued message is dropped (spdlog's overrun_oldest): the caller never
// waits, and the log loses history rather than the server losing time.
// Destroying the object writes out everything still queued (it waits for the
// sink) and restores the previous default logger.
// Thread-safety: construct and destroy on one thread (main); logging through the
// default logger is safe from any thread in between.
#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <memory>
#include <string>

namespace spdlog {
class logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace so::net {

class async_logging {
 public:
  static constexpr std::size_t kDefaultQueueSize = 8192;

  async_logging(std::string name, spdlog::sink_ptr sink,
                std::size_t queue_size = kDefaultQueueSize);
  ~async_logging();

  async_logging(const async_logging&) = delete;
  async_logging& operator=(const async_logging&) = delete;

  /// Messages dropped at the queue bound so far.
  std::size_t overruns() const;

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace so::net
