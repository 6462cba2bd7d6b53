// tests/server/cli_publish_test.cpp — `smooth-operator-cli publish` reaches a connected
// WebSocket client through POST /admin/publish (and a refused token exits 1).
#include "tests/server/admin_test_support.hpp"
#include "tests/support/harness/child_process.hpp"

using namespace so;
using namespace so::test::admin;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> cli_args(std::uint16_t port, std::vector<std::string> rest) {
  std::vector<std::string> a{"--url", "ws://127.0.0.1:" + std::to_string(port) + "/ws"};
  a.insert(a.end(), rest.begin(), rest.end());
  return a;
}

}  // namespace

TEST_CASE("cli: publish delivers the payload to the session's socket", "[cli][publish]") {
  admin_server s;
  auto ws = test::srv::connect_to(*s.server);
  const auto ids = test::srv::create_session(ws);  // no token: org reference-org
  const std::string event = R"({"kind":"job_status","state":"complete"})";
  test::child_process cli("smooth-operator-cli",
                          cli_args(s.port(), {"--token", "admin-ref", "publish", "--kind",
                                              "session", "--id", ids.session_id, event}));
  REQUIRE(cli.wait_exit(15s) == 0);
  CHECK(cli.out() == "{\"delivered\":1}\n");
  auto got = ws.read(5000ms);
  REQUIRE(got);
  CHECK(*got == event);
}

TEST_CASE("cli: publish with a token the admin API refuses exits 1", "[cli][publish]") {
  admin_server s;
  test::child_process cli(
      "smooth-operator-cli",
      cli_args(s.port(), {"--token", "alice", "publish", "--kind", "org", "--id", "org-a", "{}"}));
  REQUIRE(cli.wait_exit(15s) == 1);
  CHECK(cli.err().find("publish failed: HTTP 403") != std::string::npos);
}
