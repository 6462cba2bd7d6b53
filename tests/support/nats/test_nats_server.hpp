// tests/support/nats/test_nats_server.hpp — a nats-server process owned by one test.
//
// `test_nats_server` runs the `nats-server` binary found on PATH (Debian package
// nats-server) on free client and monitoring ports of 127.0.0.1, with optional extra
// arguments (`--user`/`--pass`, `--auth`, `--tls*`…). `stop()` ends it (SIGTERM, then
// waits); `start()` runs it again on the SAME ports, so clients reconnect to the URL
// they already have (broker-restart tests). `subscription_count` reads the broker's
// `/connz?subs=1` monitoring endpoint: how many client subscriptions name a subject.
// The process is stopped by the destructor, and dies with the test process if that
// crashes (PR_SET_PDEATHSIG).
//
// Without the binary, `require_nats_or_skip()` prints one "skipped" line and returns
// false; under CI=true it FAILS the test instead (like the PostgreSQL tests).
// Thread-safety: test-thread only (one object, one thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace so::test::nats {

/// Variables .ci/run exports for a broker started by scripts/nats (shared by tests
/// that neither stop it nor need special server options).
inline constexpr const char* url_variable = "SMOOTH_AGENT_TEST_NATS_URL";
inline constexpr const char* monitor_url_variable = "SMOOTH_AGENT_TEST_NATS_MONITOR_URL";

/// The absolute path of `nats-server` on PATH, or empty.
std::string nats_server_binary();

/// True when nats-server can be run. Otherwise: under CI=true a test failure, else one
/// "skipped" line naming the current test; returns false (the caller returns).
bool require_nats_or_skip();

class test_nats_server {
 public:
  /// Starts at once; throws std::runtime_error when it cannot.
  explicit test_nats_server(std::vector<std::string> extra_args = {});
  ~test_nats_server();
  test_nats_server(const test_nats_server&) = delete;
  test_nats_server& operator=(const test_nats_server&) = delete;

  /// nats://127.0.0.1:<port>; with `userinfo` ("user:pass" or a token) embedded.
  std::string url(std::string_view userinfo = {}) const;
  std::string monitor_url() const;
  std::uint16_t port() const { return port_; }
  std::uint16_t monitor_port() const { return monitor_port_; }
  bool running() const { return pid_ > 0; }

  /// SIGTERM and wait until the process is gone (a no-op when stopped).
  void stop();
  /// Runs the server again on the same ports; returns once it accepts clients.
  void start();
  /// Freezes the process (SIGSTOP): connections stay open but nothing is read — a stuck
  /// broker. `resume()` (SIGCONT) lets it go on.
  void pause();
  void resume();

  /// Every client subscription's subject across every connection (/connz?subs=1), one
  /// entry per subscription.
  std::vector<std::string> subjects() const;
  /// Client subscriptions on `subject` across every connection.
  std::size_t subscription_count(const std::string& subject) const;
  /// Client connections the broker currently has (/connz).
  std::size_t connection_count() const;

 private:
  void launch();
  std::vector<std::string> extra_args_;
  std::uint16_t port_ = 0;
  std::uint16_t monitor_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace so::test::nats

/// Ends the test when nats-server is missing: a failure under CI=true, one "skipped"
/// line otherwise.
#define SO_NATS_OR_SKIP()                                  \
  do {                                                     \
    if (!::so::test::nats::require_nats_or_skip()) return; \
  } while (false)
