// tests/support/nats/raw_nats_client.hpp — a plain nats.c connection standing in for
// `nats pub` / `nats sub`: publishes without our origin header, and captures what
// arrives on a subject with its headers.
//
// Thread-safety: test-thread only; `next` blocks the calling test thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace so::test::nats {

struct raw_message {
  std::string subject;
  std::string payload;
  std::map<std::string, std::string> headers;  ///< first value of each header
  std::string reply;
};

class raw_nats_client {
 public:
  /// Connects (no reconnect); throws std::runtime_error on failure.
  explicit raw_nats_client(const std::string& url);
  ~raw_nats_client();
  raw_nats_client(const raw_nats_client&) = delete;
  raw_nats_client& operator=(const raw_nats_client&) = delete;

  /// Publishes `payload` with no headers, then flushes (the broker has it on return).
  void publish(const std::string& subject, std::string_view payload);
  /// Subscribes `subject` synchronously and flushes (the broker knows on return).
  void subscribe(const std::string& subject);
  /// The next message on the subscription, or nothing within `timeout`.
  std::optional<raw_message> next(std::chrono::milliseconds timeout);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::test::nats
