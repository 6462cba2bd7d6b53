// Whole-server tests of `POST /admin/publish` (admin-auth.md §2.2 with decisions.md's
// org restriction): delivery to a live WebSocket of the caller's org, 0 for another
// org, 422 cases.
#include "tests/server/admin_test_support.hpp"

using namespace so;
using namespace so::test::admin;
using namespace std::chrono_literals;
using so::test::srv::integer;

TEST_CASE("admin publish: delivered to the same org's socket verbatim, 0 for another org",
          "[admin][publish]") {
  admin_server s;
  auto ws = test::srv::connect_to(*s.server);
  // No token: the session lands in the seed org, reference-org.
  const auto ids = test::srv::create_session(ws);
  const std::string event = R"({"kind":"job_status","state":"complete","n":[1,2]})";
  const std::string body =
      R"({"target":{"type":"session","id":")" + ids.session_id + R"("},"event":)" + event + "}";

  auto r = call(s.port(), "POST", "/admin/publish", "admin-a", body);  // org-a: not its socket
  REQUIRE(r.status == 200);
  CHECK(integer(json(r), "/delivered") == 0);

  r = call(s.port(), "POST", "/admin/publish", "admin-ref", body);
  REQUIRE(r.status == 200);
  CHECK(integer(json(r), "/delivered") == 1);
  auto got = ws.read(5000ms);
  REQUIRE(got);
  CHECK(*got == event);  // verbatim, no envelope

  // The agent association carries the session's org too.
  r = call(s.port(), "POST", "/admin/publish", "admin-ref",
           R"({"target":{"type":"agent","id":")" + ids.agent_id + R"("},"event":{"a":1}})");
  CHECK(integer(json(r), "/delivered") == 1);
  r = call(s.port(), "POST", "/admin/publish", "admin-b",
           R"({"target":{"type":"agent","id":")" + ids.agent_id + R"("},"event":{"a":1}})");
  CHECK(integer(json(r), "/delivered") == 0);
  r = call(s.port(), "POST", "/admin/publish", "admin-ref",
           R"({"target":{"type":"user","id":"nobody"},"event":null})");
  REQUIRE(r.status == 200);
  CHECK(integer(json(r), "/delivered") == 0);
  test::srv::expect_alive(ws, "r-alive");
}

TEST_CASE("admin publish: roles and 415/400/422", "[admin][publish]") {
  admin_server s;
  const std::string ok = R"({"target":{"type":"org","id":"org-a"},"event":{}})";
  CHECK(call(s.port(), "POST", "/admin/publish", "", ok).status == 401);
  CHECK(call(s.port(), "POST", "/admin/publish", "curator-a", ok).status == 403);
  CHECK(call(s.port(), "POST", "/admin/publish", "alice", "{bad").status == 403);
  CHECK(call(s.port(), "GET", "/admin/publish", "admin-a").status == 405);
  CHECK(call(s.port(), "POST", "/admin/publish", "admin-a", ok, "").status == 415);
  CHECK(call(s.port(), "POST", "/admin/publish", "admin-a", "{bad").status == 400);
  for (const char* body :
       {R"({"event":{}})", R"({"target":{"type":"org","id":"x"}})",
        R"({"target":{"type":"org"},"event":{}})",
        R"({"target":{"type":"planet","id":"x"},"event":{}})",
        R"({"target":{"type":"org","id":5},"event":{}})", R"({"target":"org","event":{}})", "[]"}) {
    INFO(body);
    auto r = call(s.port(), "POST", "/admin/publish", "admin-a", body);
    CHECK(r.status == 422);
  }
  auto r = call(s.port(), "POST", "/admin/publish", "admin-a", ok);
  CHECK(r.status == 200);
  CHECK(r.body == R"({"delivered":0})");
}
