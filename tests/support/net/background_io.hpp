// tests/support/net/background_io.hpp — an io_context on its own thread, with the real
// HTTP client and a timer bound to it (what the server wires for the gateway provider).
//
// Destroying it stops the thread first; calls still in flight are abandoned.
// Thread-safety: `http()` and `timer()` may be used from any thread. Asio stays in the .cpp.
#pragma once

#include "net/http_client.hpp"
#include "net/io_timer.hpp"

#include <memory>

namespace so::test {

class background_io {
 public:
  explicit background_io(net::http_client_options options = {});
  ~background_io();
  background_io(const background_io&) = delete;
  background_io& operator=(const background_io&) = delete;

  const net::http_client_ptr& http() const;
  /// Runs a function after a delay on the I/O thread.
  const net::delayed_call_fn& timer() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::test
