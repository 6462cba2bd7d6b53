// Whole-server tests of the connector routes (admin-auth.md §2.2, §5.3): CRUD, roles,
// validation texts, 415/400/422, org isolation, auth_ref never resolved.
#include "tests/server/admin_test_support.hpp"

using namespace so;
using namespace so::test::admin;
using so::test::srv::at;
using so::test::srv::has;
using so::test::srv::is_uuid;
using so::test::srv::str;

namespace {

const std::string kWeb =
    R"({"name":"Docs repo","kind":"web","config":{"url":"https://example.test/page"}})";

std::string create(std::uint16_t port, const std::string& token, const std::string& body = kWeb) {
  auto r = call(port, "POST", "/admin/connectors", token, body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return str(json(r), "/connector/id");
}

}  // namespace

TEST_CASE("admin connectors: create 201, list and get as curator", "[admin][connectors]") {
  admin_server s;
  auto r = call(
      s.port(), "POST", "/admin/connectors", "admin-a",
      R"({"name":"Docs repo","kind":"  WEB ","config":{"url":"https://example.test/page","extra":[1,{"x":null}]},"unknown":1})");
  REQUIRE(r.status == 201);
  auto d = json(r);
  const auto id = str(d, "/connector/id");
  CHECK(is_uuid(id));
  CHECK(str(d, "/connector/name") == "Docs repo");
  CHECK(str(d, "/connector/kind") == "web");
  CHECK(at(d, "/connector/enabled")->GetBool());
  CHECK(str(d, "/connector/config/url") == "https://example.test/page");
  CHECK(at(d, "/connector/config/extra/1/x")->IsNull());  // echoed verbatim
  CHECK_FALSE(has(d, "/connector/orgId"));
  CHECK(str(d, "/connector/createdAt") == str(d, "/connector/updatedAt"));
  CHECK(str(d, "/connector/createdAt").back() == 'Z');

  d = json(call(s.port(), "GET", "/admin/connectors", "curator-a"));
  REQUIRE(at(d, "/connectors")->Size() == 1);
  CHECK(str(d, "/connectors/0/id") == id);
  d = json(call(s.port(), "GET", "/admin/connectors/" + id, "curator-a"));
  CHECK(str(d, "/connector/name") == "Docs repo");
  // The registry now lists the name (runs appear once indexed).
  CHECK(s.runs->connector_names("org-a") == std::vector<std::string>{"Docs repo"});
}

TEST_CASE("admin connectors: roles — basic 403 everywhere, curator reads only",
          "[admin][connectors]") {
  admin_server s;
  const auto id = create(s.port(), "admin-a");
  auto r = call(s.port(), "POST", "/admin/connectors", "alice", kWeb);
  CHECK(r.status == 403);
  CHECK(error_code(r) == "FORBIDDEN");
  CHECK(call(s.port(), "PUT", "/admin/connectors/nonexistent", "alice", kWeb).status == 403);
  CHECK(call(s.port(), "DELETE", "/admin/connectors/" + id, "alice").status == 403);
  CHECK(call(s.port(), "GET", "/admin/connectors", "alice").status == 403);
  CHECK(call(s.port(), "GET", "/admin/connectors/" + id, "alice").status == 403);
  CHECK(call(s.port(), "GET", "/admin/connectors", "curator-a").status == 200);
  CHECK(call(s.port(), "POST", "/admin/connectors", "curator-a", kWeb).status == 403);
  CHECK(call(s.port(), "PUT", "/admin/connectors/" + id, "curator-a", kWeb).status == 403);
  CHECK(call(s.port(), "DELETE", "/admin/connectors/" + id, "curator-a").status == 403);
  CHECK(call(s.port(), "GET", "/admin/connectors").status == 401);
  CHECK(call(s.port(), "PATCH", "/admin/connectors/" + id, "admin-a", kWeb).status == 405);
  // A basic caller's malformed body to an admin route: 403, not 400 (auth first).
  CHECK(call(s.port(), "POST", "/admin/connectors", "alice", "{oops").status == 403);
}

TEST_CASE("admin connectors: another org's id is 404 on every route", "[admin][connectors]") {
  admin_server s;
  const auto id = create(s.port(), "admin-a");
  for (const auto& [method, body] : std::vector<std::pair<std::string, std::string>>{
           {"GET", ""}, {"PUT", kWeb}, {"DELETE", ""}}) {
    INFO(method);
    auto other = call(s.port(), method, "/admin/connectors/" + id, "admin-b", body);
    auto missing = call(s.port(), method, "/admin/connectors/no-such-id", "admin-b", body);
    CHECK(other.status == 404);
    CHECK(missing.status == 404);
    CHECK(error_code(other) == "NOT_FOUND");
  }
  CHECK(json(call(s.port(), "GET", "/admin/connectors", "admin-b"))["connectors"].Size() == 0);
  CHECK(json(call(s.port(), "GET", "/admin/connectors", "admin-a"))["connectors"].Size() == 1);
  CHECK(s.runs->connector_names("org-b").empty());
}

TEST_CASE("admin connectors: PUT replaces, DELETE 204 then 404", "[admin][connectors]") {
  admin_server s;
  const auto id = create(s.port(), "admin-a");
  const auto created = str(json(call(s.port(), "GET", "/admin/connectors/" + id, "admin-a")),
                           "/connector/createdAt");
  auto r = call(s.port(), "PUT", "/admin/connectors/" + id, "admin-a",
                R"({"name":"after","kind":"file","config":{"path":"/tmp/x"},"enabled":false})");
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/connector/id") == id);
  CHECK(str(d, "/connector/name") == "after");
  CHECK(str(d, "/connector/kind") == "file");
  CHECK_FALSE(at(d, "/connector/enabled")->GetBool());
  CHECK(str(d, "/connector/createdAt") == created);
  d = json(call(s.port(), "GET", "/admin/connectors/" + id, "curator-a"));
  CHECK(str(d, "/connector/name") == "after");
  // An omitted `enabled` becomes true again; the old name stays in the registry.
  d = json(call(s.port(), "PUT", "/admin/connectors/" + id, "admin-a",
                R"({"name":"after","kind":"file","config":{"path":"/tmp/x"}})"));
  CHECK(at(d, "/connector/enabled")->GetBool());
  CHECK(s.runs->connector_names("org-a") == std::vector<std::string>{"Docs repo", "after"});

  r = call(s.port(), "DELETE", "/admin/connectors/" + id, "admin-a");
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(call(s.port(), "GET", "/admin/connectors/" + id, "admin-a").status == 404);
  CHECK(call(s.port(), "DELETE", "/admin/connectors/" + id, "admin-a").status == 404);
}

TEST_CASE("admin connectors: kind and config validation are 400 VALIDATION_ERROR",
          "[admin][connectors]") {
  admin_server s;
  auto r = call(s.port(), "POST", "/admin/connectors", "admin-a",
                R"({"name":"x","kind":"Slack","config":{}})");
  CHECK(r.status == 400);
  CHECK(error_code(r) == "VALIDATION_ERROR");
  CHECK(str(json(r), "/error/message").find("slack") != std::string::npos);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name":"x","kind":"web","config":{}})", "web connector config requires a 'url' field"},
      {R"({"name":"x","kind":"web","config":{"url":5}})", "'url'"},
      {R"({"name":"x","kind":"web"})", "'url'"},
      {R"({"name":"x","kind":"web","config":"https://x"})", "'url'"},
      {R"({"name":"x","kind":"github","config":{"owner":"o"}})", "'repo'"},
      {R"({"name":"x","kind":"file","config":{"url":"u"}})", "'path'"}};
  for (const auto& [body, text] : cases) {
    INFO(body);
    r = call(s.port(), "POST", "/admin/connectors", "admin-a", body);
    CHECK(r.status == 400);
    CHECK(error_code(r) == "VALIDATION_ERROR");
    CHECK(str(json(r), "/error/message").find(text) != std::string::npos);
  }
  // PUT: existence is checked before validation.
  r = call(s.port(), "PUT", "/admin/connectors/nope", "admin-a", R"({"name":"x","kind":"slack"})");
  CHECK(r.status == 404);
  const auto id = create(s.port(), "admin-a");
  r = call(s.port(), "PUT", "/admin/connectors/" + id, "admin-a", R"({"name":"x","kind":"slack"})");
  CHECK(r.status == 400);
  CHECK(json(call(s.port(), "GET", "/admin/connectors", "admin-a"))["connectors"].Size() == 1);
}

TEST_CASE("admin connectors: framework rejections 415 / 400 / 422 in plain text",
          "[admin][connectors]") {
  admin_server s;
  const auto id = create(s.port(), "admin-a");
  for (const std::string& target : {std::string("/admin/connectors"), "/admin/connectors/" + id}) {
    const std::string method = target == "/admin/connectors" ? "POST" : "PUT";
    INFO(method);
    CHECK(call(s.port(), method, target, "admin-a", kWeb, "").status == 415);
    CHECK(call(s.port(), method, target, "admin-a", kWeb, "text/plain").status == 415);
    auto r = call(s.port(), method, target, "admin-a", "{\"name\":", "application/json");
    CHECK(r.status == 400);
    CHECK(r.header("Content-Type")->find("text/plain") == 0);
    CHECK(call(s.port(), method, target, "admin-a", "{\"name\":\"\xff\"}").status == 400);
    for (const char* body :
         {R"({"kind":"web"})", R"({"name":"x"})", R"({"name":5,"kind":"web"})",
          R"({"name":"x","kind":["web"]})", R"({"name":"x","kind":"web","enabled":"yes"})",
          R"({"name":"x","kind":"web","enabled":null})", "[]", "\"str\"", "null"}) {
      INFO(body);
      r = call(s.port(), method, target, "admin-a", body);
      CHECK(r.status == 422);
      CHECK(r.header("Content-Type")->find("text/plain") == 0);
    }
  }
  CHECK(json(call(s.port(), "GET", "/admin/connectors", "admin-a"))["connectors"].Size() == 1);
}

TEST_CASE("admin connectors: auth_ref is echoed as a name, never resolved", "[admin][connectors]") {
  ::setenv("SO_ADMIN_TEST_GITHUB_TOKEN", "ghp_secretvalue", 1);
  admin_server s;
  auto r = call(
      s.port(), "POST", "/admin/connectors", "admin-a",
      R"({"name":"gh","kind":"github","config":{"owner":"o","repo":"r","visibility":"private","auth_ref":"SO_ADMIN_TEST_GITHUB_TOKEN"}})");
  REQUIRE(r.status == 201);
  const auto id = str(json(r), "/connector/id");
  for (const auto& body : {r.body, call(s.port(), "GET", "/admin/connectors/" + id, "admin-a").body,
                           call(s.port(), "GET", "/admin/connectors", "admin-a").body}) {
    CHECK(body.find("SO_ADMIN_TEST_GITHUB_TOKEN") != std::string::npos);
    CHECK(body.find("ghp_") == std::string::npos);
  }
  ::unsetenv("SO_ADMIN_TEST_GITHUB_TOKEN");
}
