// tests/actors/actor_test_support.hpp — doubles for driving actors without sockets.
#pragma once

#include "net/event_sink.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace so::test {

/// An event_sink that records every frame. Thread-safe.
class recording_sink final : public net::event_sink {
 public:
  void push(net::frame f) override {
    std::lock_guard<std::mutex> lk(mu_);
    if (!open_) return;
    frames_.push_back(*f);
    cv_.notify_all();
  }
  void close(std::uint16_t code, std::string) override {
    std::lock_guard<std::mutex> lk(mu_);
    open_ = false;
    close_code_ = code;
  }
  bool is_open() const override {
    std::lock_guard<std::mutex> lk(mu_);
    return open_;
  }
  std::vector<std::string> frames() const {
    std::lock_guard<std::mutex> lk(mu_);
    return frames_;
  }
  /// Waits until at least `n` frames arrived (false on timeout).
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return frames_.size() >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> frames_;
  bool open_ = true;
  std::uint16_t close_code_ = 0;
};

/// The "type" of a serialized event ("" when absent).
inline std::string event_type(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("type") || !d["type"].IsString())
    return "";
  return d["type"].GetString();
}

}  // namespace so::test
