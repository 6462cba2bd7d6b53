// Tests for the HTTP routing seam (net/http_router.hpp): the §2.0 pipeline order,
// framework rejections, bearer extraction, path decoding and CORS — driven directly,
// without sockets.
#include "net/http_router.hpp"
#include "tests/net/admin_test_authenticator.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <future>

using namespace so;
using adapters::auth::role;

namespace {

struct router_fixture {
  std::shared_ptr<net::http_router> router;
  int handler_calls = 0;
  net::route_call last;

  explicit router_fixture(bool async_auth = false) {
    net::router_options o;
    o.authenticator = std::make_shared<test::map_authenticator>(
        std::map<std::string, adapters::auth::principal>{
            {"basic-a", test::make_principal("alice", "org-a", role::basic)},
            {"admin-a", test::make_principal("root", "org-a", role::admin)}},
        async_auth);
    router = std::make_shared<net::http_router>(std::move(o));
    auto record = [this](net::route_call call, net::respond_fn respond) {
      ++handler_calls;
      last = std::move(call);
      respond(net::json_response(200, R"({"ok":true})"));
    };
    router->add({"GET", "/admin/things", role::basic, net::body_kind::none, record});
    router->add({"POST", "/admin/things", role::admin, net::body_kind::json, record});
    router->add({"GET", "/admin/things/{id}", role::basic, net::body_kind::none, record});
    router->add({"DELETE", "/admin/things/{id}", role::admin, net::body_kind::none, record});
    router->add({"GET", "/admin/open", std::nullopt, net::body_kind::none, record});
  }

  net::server_response run(net::server_request req) {
    std::promise<net::server_response> p;
    auto f = p.get_future();
    router->dispatch(std::move(req), [&p](net::server_response r) { p.set_value(std::move(r)); });
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    return f.get();
  }
};

net::server_request req(std::string method, std::string path, std::optional<std::string> token = {},
                        std::string body = {}, std::optional<std::string> content_type = {}) {
  net::server_request r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (token) {
    r.authorization = "Bearer ";
    *r.authorization += *token;
  }
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

std::string code_of(const net::server_response& r) {
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d["error"]["code"] == d["data"]["error"]["code"]);
  REQUIRE(d["timestamp"].IsInt64());
  REQUIRE(std::string(d["type"].GetString()) == "error");
  return d["error"]["code"].GetString();
}

std::optional<std::string> header(const net::server_response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace

TEST_CASE("http_router: unknown path is 404 with an empty body, wrong method 405 with Allow",
          "[router]") {
  router_fixture f;
  auto r = f.run(req("GET", "/admin/nope", "admin-a"));
  CHECK(r.status == 404);
  CHECK(r.body.empty());
  r = f.run(req("PUT", "/admin/things"));
  CHECK(r.status == 405);
  CHECK(r.body.empty());
  CHECK(header(r, "Allow") == std::optional<std::string>("GET, POST"));
  // Trailing slash and empty segments are not folded.
  CHECK(f.run(req("GET", "/admin/things/", "admin-a")).status == 404);
  CHECK(f.run(req("GET", "/admin//things", "admin-a")).status == 404);
  CHECK(f.handler_calls == 0);
}

TEST_CASE("http_router: authentication outcomes map to 401/403 envelopes", "[router]") {
  router_fixture f;
  auto r = f.run(req("GET", "/admin/things"));
  CHECK(r.status == 401);
  CHECK(code_of(r) == "UNAUTHENTICATED");
  r = f.run(req("GET", "/admin/things", "not-a-jwt"));
  CHECK(r.status == 401);
  CHECK(code_of(r) == "INVALID_TOKEN");
  CHECK(r.body.find("not-a-jwt") == std::string::npos);  // never echoes the token
  r = f.run(req("GET", "/admin/things", "no-role"));
  CHECK(r.status == 401);
  CHECK(code_of(r) == "MISSING_ROLE");
  r = f.run(req("DELETE", "/admin/things/x", "basic-a"));
  CHECK(r.status == 403);
  CHECK(code_of(r) == "FORBIDDEN");
  CHECK(f.handler_calls == 0);
  r = f.run(req("GET", "/admin/open"));  // no minimum role: no auth at all
  CHECK(r.status == 200);
  CHECK(f.last.who == nullptr);
}

TEST_CASE("http_router: ordering — auth before body parsing (§2.0)", "[router]") {
  router_fixture f;
  // A basic caller sending a malformed body to an admin route gets 403, not 400/415.
  auto r = f.run(req("POST", "/admin/things", "basic-a", "{not json", "application/json"));
  CHECK(r.status == 403);
  r = f.run(req("POST", "/admin/things", "basic-a", "{}", std::nullopt));
  CHECK(r.status == 403);
  // No token and a malformed body: 401.
  r = f.run(req("POST", "/admin/things", std::nullopt, "{not json", "application/json"));
  CHECK(r.status == 401);
  // No token and a bad path parameter: 401 too.
  r = f.run(req("GET", "/admin/things/%zz"));
  CHECK(r.status == 401);
}

TEST_CASE("http_router: JSON body rejections are plain text 415 / 400", "[router]") {
  router_fixture f;
  auto r = f.run(req("POST", "/admin/things", "admin-a", "{}", std::nullopt));
  CHECK(r.status == 415);
  CHECK(header(r, "Content-Type")->find("text/plain") == 0);
  r = f.run(req("POST", "/admin/things", "admin-a", "{}", "text/plain"));
  CHECK(r.status == 415);
  r = f.run(req("POST", "/admin/things", "admin-a", "{\"a\":", "application/json"));
  CHECK(r.status == 400);
  CHECK(header(r, "Content-Type")->find("text/plain") == 0);
  r = f.run(req("POST", "/admin/things", "admin-a", "", "application/json"));
  CHECK(r.status == 400);
  r = f.run(req("POST", "/admin/things", "admin-a", "{\"a\":\"\xff\xfe\"}", "application/json"));
  CHECK(r.status == 400);  // non-UTF-8
  std::string deep(200, '[');
  deep += std::string(200, ']');
  r = f.run(req("POST", "/admin/things", "admin-a", deep, "application/json"));
  CHECK(r.status == 400);  // nesting over the depth limit
  CHECK(f.handler_calls == 0);
  r = f.run(req("POST", "/admin/things", "admin-a", R"({"a":1,"unknown":true})",
                "application/json; charset=utf-8"));
  CHECK(r.status == 200);
  REQUIRE(f.last.json);
  CHECK((*f.last.json)["a"].GetInt() == 1);
  CHECK(f.last.who->org_id == "org-a");
  r = f.run(req("POST", "/admin/things", "admin-a", "{}", "application/merge-patch+json"));
  CHECK(r.status == 200);
}

TEST_CASE("http_router: path captures are strictly percent-decoded", "[router]") {
  router_fixture f;
  auto r = f.run(req("GET", "/admin/things/a%2Fb", "basic-a"));
  CHECK(r.status == 200);
  REQUIRE(f.last.params.size() == 1);
  CHECK(f.last.params[0] == "a/b");  // an id, not a path: the handler will not find it
  r = f.run(req("GET", "/admin/things/..%2F..%2Fetc", "basic-a"));
  CHECK(r.status == 200);
  CHECK(f.last.params[0] == "../../etc");
  CHECK(f.run(req("GET", "/admin/things/../things", "basic-a")).status == 404);
  const int before = f.handler_calls;
  CHECK(f.run(req("GET", "/admin/things/%zz", "basic-a")).status == 400);
  CHECK(f.run(req("GET", "/admin/things/%4", "basic-a")).status == 400);
  CHECK(f.run(req("GET", "/admin/things/%ff", "basic-a")).status == 400);  // not UTF-8
  CHECK(f.handler_calls == before);
}

TEST_CASE("http_router: CORS on the admin prefix, preflight answered without auth",
          "[router][cors]") {
  router_fixture f;
  auto r = f.run(req("OPTIONS", "/admin/things"));
  CHECK(r.status == 204);
  CHECK(header(r, "Access-Control-Allow-Origin") == std::optional<std::string>("*"));
  CHECK(header(r, "Access-Control-Allow-Methods")->find("DELETE") != std::string::npos);
  CHECK(header(r, "Access-Control-Allow-Headers")->find("authorization") != std::string::npos);
  CHECK(header(r, "Access-Control-Allow-Headers")->find("content-type") != std::string::npos);
  // Every answer under the prefix carries the origin header, errors included.
  CHECK(header(f.run(req("GET", "/admin/things")), "Access-Control-Allow-Origin"));
  CHECK(header(f.run(req("GET", "/admin/nope")), "Access-Control-Allow-Origin"));
  CHECK(f.router->claims("/admin/anything"));
  CHECK(f.router->claims("/admin"));
  CHECK_FALSE(f.router->claims("/administrator"));
  CHECK_FALSE(f.router->claims("/health"));
}

TEST_CASE("http_router: an asynchronous authenticator completes the pipeline", "[router]") {
  router_fixture f(/*async_auth=*/true);
  auto r = f.run(req("GET", "/admin/things/x", "basic-a"));
  CHECK(r.status == 200);
  CHECK(f.last.params.at(0) == "x");
  CHECK(f.run(req("GET", "/admin/things", "bad")).status == 401);
}

TEST_CASE("http_router: no authenticator means every credential is invalid", "[router]") {
  auto router = std::make_shared<net::http_router>(net::router_options{});
  router->add({"GET", "/admin/x", role::basic, net::body_kind::none,
               [](net::route_call, net::respond_fn r) { r(net::json_response(200, "{}")); }});
  std::optional<net::server_response> out;
  router->dispatch(req("GET", "/admin/x", "anything"), [&](net::server_response r) { out = r; });
  REQUIRE(out);
  CHECK(out->status == 401);
  CHECK(code_of(*out) == "INVALID_TOKEN");
}

TEST_CASE("http_router: a handler that answers twice or throws answers once", "[router]") {
  auto router = std::make_shared<net::http_router>(net::router_options{});
  router->add({"GET", "/admin/twice", std::nullopt, net::body_kind::none,
               [](net::route_call, net::respond_fn r) {
                 r(net::json_response(200, "{}"));
                 r(net::json_response(201, "{}"));
               }});
  router->add({"GET", "/admin/throws", std::nullopt, net::body_kind::none,
               [](net::route_call, net::respond_fn) { throw std::runtime_error("boom"); }});
  std::vector<int> statuses;
  router->dispatch(req("GET", "/admin/twice"),
                   [&](net::server_response r) { statuses.push_back(r.status); });
  router->dispatch(req("GET", "/admin/throws"),
                   [&](net::server_response r) { statuses.push_back(r.status); });
  CHECK(statuses == std::vector<int>{200, 500});
}

TEST_CASE("http_router: bearer extraction follows §1.8", "[router]") {
  using net::bearer_credential;
  using opt = std::optional<std::string>;
  CHECK(bearer_credential(opt("Bearer abc")) == opt("abc"));
  CHECK(bearer_credential(opt("bearer  abc  ")) == opt("abc"));
  CHECK_FALSE(bearer_credential(opt("BEARER abc")));
  CHECK_FALSE(bearer_credential(opt("Basic abc")));
  CHECK_FALSE(bearer_credential(opt("Bearer    ")));
  CHECK_FALSE(bearer_credential(opt("Bearer")));
  CHECK_FALSE(bearer_credential(opt("Bearer ab\x01")));
  CHECK_FALSE(bearer_credential(opt("Bearer \xc3\xa9")));
  CHECK_FALSE(bearer_credential(std::nullopt));
}

TEST_CASE("http_router: the error envelope has both copies and repairs bad UTF-8", "[router]") {
  auto r = net::error_response(404, "NOT_FOUND", "connector '\xff' not found", 1733000000000);
  CHECK(r.status == 404);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  REQUIRE(d.IsObject());
  CHECK(std::string(d["error"]["code"].GetString()) == "NOT_FOUND");
  CHECK(std::string(d["data"]["error"]["code"].GetString()) == "NOT_FOUND");
  CHECK(d["timestamp"].GetInt64() == 1733000000000);
  CHECK_FALSE(d.HasMember("requestId"));
}
