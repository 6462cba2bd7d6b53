// Whole-server tests of hostile input on the admin surface: bodies over
// SMOOTH_AGENT_MAX_HTTP_BODY_BYTES (413), garbage methods and targets, and a burst
// of mixed requests on one kept-alive connection — nothing crashes or hangs.
#include "tests/server/admin_test_support.hpp"

using namespace so;
using namespace so::test::admin;
using namespace std::chrono_literals;

TEST_CASE("admin bad input: a body over the limit is 413 and the connection closes",
          "[admin][limits]") {
  auto o = test::srv::local_options();
  o.config.max_http_body_bytes = 4096;
  admin_server s(o);
  test::http_connection c("127.0.0.1", s.port());
  test::http_request_spec spec;
  spec.method = "POST";
  spec.target = "/admin/connectors";
  spec.headers = {{"Authorization", "Bearer admin-a"}, {"Content-Type", "application/json"}};
  spec.body = R"({"name":")" + std::string(8192, 'x') + R"(","kind":"web"})";
  auto r = c.request(spec);
  CHECK(r.status == 413);
  CHECK_FALSE(r.keep_alive);
  CHECK(c.wait_closed(5000ms));
  // Under the limit still works.
  spec.body = R"({"name":"n","kind":"web","config":{"url":"u"}})";
  CHECK(call(s.port(), "POST", "/admin/connectors", "admin-a", spec.body).status == 201);
  CHECK(s.connectors->list("org-a").size() == 1);
}

TEST_CASE("admin bad input: an oversized header is 431, not a silent close", "[admin][limits]") {
  admin_server s;
  test::http_connection c("127.0.0.1", s.port());
  test::http_request_spec spec;
  spec.target = "/admin/me";
  spec.headers = {{"Authorization", "Bearer " + std::string(16 * 1024, 'x')}};
  auto r = c.request(spec);
  CHECK(r.status == 431);
  CHECK(c.wait_closed(5000ms));
  CHECK(call(s.port(), "GET", "/admin/me", "admin-a").status == 200);
}

TEST_CASE("admin bad input: the default limit is 1 MiB", "[admin][limits]") {
  admin_server s;
  const std::string big = R"({"model":"m","systemPrompt":")" + std::string(1 << 20, 'p') + "\"}";
  auto r = call(s.port(), "PUT", "/admin/settings", "admin-a", big);
  CHECK(r.status == 413);
  const std::string fits = R"({"model":"m","systemPrompt":")" + std::string(1000, 'p') + "\"}";
  CHECK(call(s.port(), "PUT", "/admin/settings", "admin-a", fits).status == 200);
}

TEST_CASE("admin bad input: odd methods and targets on one connection", "[admin]") {
  admin_server s;
  test::http_connection c("127.0.0.1", s.port());
  const std::vector<std::pair<std::string, std::string>> probes = {{"GET", "/admin"},
                                                                   {"GET", "/admin/"},
                                                                   {"GET", "/admin/../health"},
                                                                   {"GET", "/admin/connectors/%00"},
                                                                   {"GET", "/admin/connectors/%"},
                                                                   {"BREW", "/admin/me"},
                                                                   {"GET", "/admin/me?token=abc"},
                                                                   {"DELETE", "/admin/health"}};
  for (const auto& [method, target] : probes) {
    INFO(method << " " << target);
    test::http_request_spec spec;
    spec.method = method;
    spec.target = target;
    spec.headers = {{"Authorization", "Bearer admin-a"}};
    auto r = c.request(spec);
    CHECK(r.status >= 200);
    CHECK(r.status < 500);
  }
  // The connection and the server are still fine.
  test::http_request_spec ok;
  ok.target = "/admin/me";
  ok.headers = {{"Authorization", "Bearer admin-a"}};
  CHECK(c.request(ok).status == 200);
}
