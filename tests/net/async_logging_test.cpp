// async_logging: the default logger never blocks its callers (issue 7, defect 6g).
#include "net/async_logging.hpp"

#include <spdlog/async_logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>

using namespace std::chrono_literals;

namespace {

/// A sink that can be held stuck (like a full pipe on stderr) and counts lines.
class gated_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit gated_sink(std::shared_future<void> open) : open_(std::move(open)) {}
  std::atomic<std::size_t> lines{0};

 protected:
  void sink_it_(const spdlog::details::log_msg&) override {
    open_.wait();
    ++lines;
  }
  void flush_() override {}

 private:
  std::shared_future<void> open_;
};

}  // namespace

TEST_CASE("the default logger is async while async_logging lives", "[net][log]") {
  std::promise<void> open;
  open.set_value();
  auto sink = std::make_shared<gated_sink>(open.get_future().share());
  auto* before = spdlog::default_logger_raw();
  {
    so::net::async_logging logging{"test", sink};
    CHECK(dynamic_cast<spdlog::async_logger*>(spdlog::default_logger_raw()) != nullptr);
    for (int i = 0; i < 100; ++i) spdlog::info("line {}", i);
  }
  // Destruction wrote out everything queued and gave the old default back.
  CHECK(sink->lines.load() == 100);
  CHECK(spdlog::default_logger_raw() == before);
}

TEST_CASE("a log call does not block when the sink is stuck", "[net][log]") {
  std::promise<void> open;
  auto sink = std::make_shared<gated_sink>(open.get_future().share());
  {
    so::net::async_logging logging{"test", sink, 16};
    // 10,000 calls against a 16-slot queue and a sink that writes nothing yet.
    auto logged = std::async(std::launch::async, [] {
      for (int i = 0; i < 10000; ++i) spdlog::info("line {}", i);
    });
    const bool returned = logged.wait_for(10s) == std::future_status::ready;
    open.set_value();  // unstick the sink whatever happened, so teardown can finish
    REQUIRE(returned);
    CHECK(logging.overruns() > 0);  // the oldest lines were dropped instead
  }
  CHECK(sink->lines.load() <= 10000);
  CHECK(sink->lines.load() > 0);
}
