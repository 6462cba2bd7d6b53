// tests/server/nats_boot_test.cpp — SMOOTH_AGENT_BACKPLANE=nats at boot: a server
// connects to the broker from its configuration, refuses to start without one (naming
// the URL, never its credentials), and closes its connection when it stops.
#include "tests/support/eventually.hpp"
#include "tests/support/harness/test_server.hpp"
#include "tests/support/nats/test_nats_server.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace std::chrono_literals;
using so::test::eventually;
using so::test::nats::test_nats_server;

namespace {
so::test::test_server_options nats_backplane(std::string url) {
  so::test::test_server_options o;
  o.customize = [url = std::move(url)](so::net::server_options& s) {
    s.config.backplane = so::adapters::backplane_backend::nats;
    s.config.backplane_url = url;
  };
  return o;
}
}  // namespace

TEST_CASE("nats boot: a server with the nats backplane refuses to start without its broker",
          "[backplane][nats]") {
  SO_NATS_OR_SKIP();
  test_nats_server broker;
  const auto dead = broker.url("ops:pa55word");
  broker.stop();
  std::string what = "(started)";
  try {
    so::test::test_server server(nats_backplane(dead));
  } catch (const std::exception& e) {
    what = e.what();
  }
  CHECK_THAT(what, Catch::Matchers::Contains("SMOOTH_AGENT_BACKPLANE=nats"));
  CHECK_THAT(what, Catch::Matchers::Contains("nats://[redacted]@127.0.0.1:" +
                                             std::to_string(broker.port())));
  CHECK_THAT(what, !Catch::Matchers::Contains("pa55word"));
}

TEST_CASE("nats boot: a server connects to the configured broker and disconnects when it stops",
          "[backplane][nats]") {
  SO_NATS_OR_SKIP();
  test_nats_server broker;
  std::optional<so::test::test_server> server;
  server.emplace(nats_backplane(broker.url()));
  CHECK(eventually([&] { return broker.connection_count() == 1; }));
  server.reset();
  CHECK(eventually([&] { return broker.connection_count() == 0; }));
}
