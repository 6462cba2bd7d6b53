// tests/support/net/listener_fixture.hpp — the common part of the socket-layer test
// fixtures: a test_listener serving a test's connection_factory, and client options
// aimed at it.
//
// Setting SO_NET_TEST_DEBUG=1 shows the sessions' debug log when a test misbehaves.
// Thread-safety: as test_listener (its `get()` may be used from any thread); `ws()` is
// const and may be called from any thread.
#pragma once

#include "net/listener.hpp"
#include "tests/support/net/test_listener.hpp"
#include "tests/support/net/ws_client.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>
#include <utility>

namespace so::test {

struct listener_fixture {
  listener_fixture(net::listener_options options, net::connection_factory factory)
      : server(std::move(options), std::move(factory)) {
    if (std::getenv("SO_NET_TEST_DEBUG")) spdlog::set_level(spdlog::level::debug);
  }

  /// Options for a WebSocket client of this listener, upgrading at `target`.
  ws_connect_options ws(std::string target = "/ws") const {
    ws_connect_options o;
    o.port = server.port();
    o.target = std::move(target);
    return o;
  }

  test_listener server;
};

}  // namespace so::test
