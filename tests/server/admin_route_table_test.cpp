// The admin route table end to end (admin-auth.md §2.1): every authenticated route
// answers 401 without a token and 401 INVALID_TOKEN with a bad one, before any
// parsing; every known path answers a wrong method with 405 and its `Allow`; and the
// bad-input paths the per-route tests do not reach (413, non-UTF-8, unknown fields,
// encoded slashes in ids, a bad query on messages).
#include "tests/server/admin_test_support.hpp"

#include <string>
#include <vector>

using namespace so;
using namespace so::test;
using namespace so::test::admin;

namespace {

struct route {
  const char* method;
  const char* target;
  const char* allow;  ///< what a 405 on this path must list
};

// One entry per route that needs a token; ids need not exist (auth runs first).
const std::vector<route> kAuthenticated = {
    {"GET", "/admin/me", "GET"},
    {"GET", "/admin/conversations", "GET"},
    {"GET", "/admin/conversations/c-1/messages", "GET"},
    {"GET", "/admin/indexing/runs", "GET"},
    {"GET", "/admin/document-sets", "GET"},
    {"GET", "/admin/connectors", "GET, POST"},
    {"POST", "/admin/connectors", "GET, POST"},
    {"GET", "/admin/connectors/x-1", "GET, PUT, DELETE"},
    {"PUT", "/admin/connectors/x-1", "GET, PUT, DELETE"},
    {"DELETE", "/admin/connectors/x-1", "GET, PUT, DELETE"},
    {"POST", "/admin/connectors/x-1/index", "POST"},
    {"GET", "/admin/settings", "GET, PUT"},
    {"PUT", "/admin/settings", "GET, PUT"},
    {"POST", "/admin/publish", "POST"},
};

/// The methods of `allow` ("GET, PUT") as a list.
std::vector<std::string> methods_of(const std::string& allow) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < allow.size()) {
    auto end = allow.find(',', at);
    if (end == std::string::npos) end = allow.size();
    auto m = allow.substr(at, end - at);
    while (!m.empty() && m.front() == ' ') m.erase(m.begin());
    out.push_back(m);
    at = end + 1;
  }
  return out;
}

bool allow_lists(const http_reply& r, const std::string& allow) {
  const auto got = r.header("Allow");
  if (!got) return false;
  for (const auto& m : methods_of(allow))
    if (got->find(m) == std::string::npos) return false;
  return true;
}

}  // namespace

TEST_CASE("admin routes: every authenticated route is 401 without or with a bad token", "[admin]") {
  admin_server s;
  for (const auto& r : kAuthenticated) {
    INFO(r.method << " " << r.target);
    // A malformed body and query too: authentication runs before any parsing.
    const auto none = call(s.port(), r.method, std::string(r.target) + "?limit=abc", "", "{bad");
    CHECK(none.status == 401);
    CHECK(error_code(none) == "UNAUTHENTICATED");
    const auto forged = call(s.port(), r.method, r.target, "forged-token", "{bad");
    CHECK(forged.status == 401);
    CHECK(error_code(forged) == "INVALID_TOKEN");
  }
}

TEST_CASE("admin routes: a wrong method on every known path is 405 with Allow", "[admin]") {
  admin_server s;
  std::vector<route> paths = kAuthenticated;
  paths.push_back({"GET", "/admin/health", "GET"});
  paths.push_back({"GET", "/admin/model-costs", "GET"});
  for (const auto& r : paths) {
    // PATCH is on no admin path.
    INFO("PATCH " << r.target);
    const auto reply = call(s.port(), "PATCH", r.target, "admin-a");
    CHECK(reply.status == 405);
    CHECK(reply.body.empty());
    CHECK(allow_lists(reply, r.allow));
  }
}

TEST_CASE("admin routes: bad input the per-route tests do not reach", "[admin]") {
  auto o = test::srv::local_options();
  o.config.max_http_body_bytes = 4096;
  admin_server s(std::move(o));
  const std::string huge(8192, 'x');

  SECTION("413 on PUT connectors/{id} and POST publish") {
    for (const auto* target : {"/admin/connectors/x-1", "/admin/publish"}) {
      INFO(target);
      const auto method = std::string(target) == "/admin/publish" ? "POST" : "PUT";
      CHECK(call(s.port(), method, target, "admin-a", R"({"pad":")" + huge + "\"}").status == 413);
    }
  }
  SECTION("non-UTF-8 JSON bodies are 400 on settings and publish") {
    const std::string bad = "{\"model\":\"\xff\xfe\"}";
    CHECK(call(s.port(), "PUT", "/admin/settings", "admin-a", bad).status == 400);
    CHECK(call(s.port(), "POST", "/admin/publish", "admin-a", bad).status == 400);
  }
  SECTION("unknown fields on publish are ignored") {
    const auto r = call(s.port(), "POST", "/admin/publish", "admin-a",
                        R"({"target":{"type":"session","id":"s-none","extra":1},)"
                        R"("event":{"kind":"x"},"surprise":[1,2]})");
    CHECK(r.status == 200);
    CHECK(srv::integer(json(r), "/delivered") == 0);
  }
  SECTION("an id with an encoded slash or dot-dot is one (unknown) id: 404") {
    for (const auto* target : {"/admin/connectors/..%2F..%2Fsettings", "/admin/connectors/%2e%2e",
                               "/admin/connectors/a%2Fb"}) {
      INFO(target);
      const auto r = call(s.port(), "GET", target, "admin-a");
      CHECK(r.status == 404);
      CHECK(error_code(r) == "NOT_FOUND");
    }
  }
  SECTION("a conversation's messages ignore any query string (spec: no cursor input)") {
    const auto r =
        call(s.port(), "GET", "/admin/conversations/c-none/messages?limit=abc", "admin-a");
    CHECK(r.status == 404);  // the id decides; the query is never parsed
  }
}
