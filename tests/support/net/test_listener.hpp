// tests/support/net/test_listener.hpp — a net::listener on 127.0.0.1:<ephemeral> with its
// own io_context thread, for tests of the socket layer without actors.
//
// Destruction performs the production shutdown order (stop accepting, close_all 1001,
// wait for every session to go, join the thread), so a test that leaks a connection
// still ends promptly. Thread-safety: `get()` returns the listener, whose public
// functions may be called from any thread. Asio stays in the .cpp.
#pragma once

#include "net/listener.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace so::test {

class test_listener {
 public:
  /// Binds (port forced to 0 unless `keep_port`), starts accepting, starts the thread.
  test_listener(net::listener_options options, net::connection_factory factory,
                bool keep_port = false);
  ~test_listener();
  test_listener(const test_listener&) = delete;
  test_listener& operator=(const test_listener&) = delete;

  net::listener& get();
  std::uint16_t port() const;
  /// The io_context the listener's thread runs (a test may stamp that thread with it).
  const boost::asio::io_context& context() const;

  /// `close_all(code, reason)` and waits for its `done`; false if it did not run in time.
  bool close_all_and_wait(std::uint16_t code, const std::string& reason,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::test
