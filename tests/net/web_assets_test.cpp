// tests/net/web_assets_test.cpp — the embedded web chat page (net/web_assets.hpp) and how
// the listener serves it (net/web_asset_response.hpp): exact paths only, GET only, types,
// caching, security headers, and off by default / with web_ui = false.
#include "net/web_assets.hpp"
#include "net/listener.hpp"
#include "tests/support/net/http_probe.hpp"
#include "tests/support/net/listener_fixture.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

namespace {

using so::net::find_web_asset;
using so::net::listener_options;
using so::test::http_connection;

so::net::connection_factory no_websockets() {
  return [](const so::net::upgrade_info&, so::net::event_sink_ptr) { return nullptr; };
}

struct web_fixture : so::test::listener_fixture {
  explicit web_fixture(bool web_ui) : listener_fixture(options(web_ui), no_websockets()) {}
  static listener_options options(bool web_ui) {
    listener_options o;
    o.web_ui = web_ui;
    return o;
  }
};

}  // namespace

TEST_CASE("web assets: index.html is at / and every other file under /web/", "[web]") {
  const auto* index = find_web_asset("/");
  REQUIRE(index != nullptr);
  CHECK(index->content_type == "text/html; charset=utf-8");
  CHECK(std::string(index->body).find("<script type=\"module\" src=\"/web/app.js\">") !=
        std::string::npos);
  std::set<std::string> paths;
  for (const auto& a : so::net::embedded_web_assets()) {
    INFO(a.path);
    CHECK(paths.insert(std::string(a.path)).second);
    CHECK((a.path == "/" || a.path.rfind("/web/", 0) == 0));
    CHECK(a.etag.size() > 2);
    CHECK(a.etag.front() == '"');
    CHECK(!a.body.empty());
  }
  CHECK(find_web_asset("/web/app.js")->content_type == "text/javascript; charset=utf-8");
  CHECK(find_web_asset("/web/app.css")->content_type == "text/css; charset=utf-8");
  for (const char* none : {"/index.html", "/web/index.html", "/web/", "/web", "", "/web/app.js/",
                           "/web/../web/app.js", "/WEB/app.js", "/web/app.js?x=1"}) {
    INFO(none);
    CHECK(find_web_asset(none) == nullptr);
  }
}

TEST_CASE("web assets: every file the page references is embedded", "[web]") {
  // src/href in index.html and `from "./x.js"` imports in the modules: a missing file would
  // be a 404 in the browser.
  const std::regex html_ref(R"re((?:src|href)="(/web/[^"]+)")re");
  const std::regex js_import(R"re(from\s+"\./([^"]+)")re");
  int checked = 0;
  for (const auto& a : so::net::embedded_web_assets()) {
    const std::string body(a.body);
    const auto& re = a.path == "/" ? html_ref : js_import;
    for (std::sregex_iterator it(body.begin(), body.end(), re), end; it != end; ++it) {
      const std::string target = a.path == "/" ? (*it)[1].str() : "/web/" + (*it)[1].str();
      INFO(std::string(a.path) << " references " << target);
      CHECK(find_web_asset(target) != nullptr);
      ++checked;
    }
  }
  CHECK(checked >= 4);
}

TEST_CASE("web assets: GET / and /web/<file> are served with type, cache and CSP headers",
          "[web]") {
  web_fixture f(true);
  http_connection conn("127.0.0.1", f.server.port());
  const auto page = conn.request({"GET", "/?agentId=a&token=t", {}, ""});
  CHECK(page.status == 200);
  CHECK(page.header("Content-Type") == std::optional<std::string>("text/html; charset=utf-8"));
  CHECK(page.header("Cache-Control") == std::optional<std::string>("no-cache"));
  CHECK(page.header("X-Content-Type-Options") == std::optional<std::string>("nosniff"));
  CHECK(page.header("Referrer-Policy") == std::optional<std::string>("no-referrer"));
  REQUIRE(page.header("Content-Security-Policy"));
  CHECK(page.header("Content-Security-Policy")->find("script-src 'self'") != std::string::npos);
  CHECK(page.body == std::string(find_web_asset("/")->body));
  CHECK(page.keep_alive);

  const auto js = conn.request({"GET", "/web/app.js", {}, ""});
  CHECK(js.status == 200);
  CHECK(js.header("Content-Type") == std::optional<std::string>("text/javascript; charset=utf-8"));
  CHECK(js.body == std::string(find_web_asset("/web/app.js")->body));
  REQUIRE(js.header("ETag"));
  CHECK(*js.header("ETag") == std::string(find_web_asset("/web/app.js")->etag));
}

TEST_CASE("web assets: a matching If-None-Match gets 304 without a body", "[web]") {
  web_fixture f(true);
  http_connection conn("127.0.0.1", f.server.port());
  const std::string etag(find_web_asset("/web/app.css")->etag);
  const auto same = conn.request({"GET", "/web/app.css", {{"If-None-Match", etag}}, ""});
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  CHECK(same.header("ETag") == std::optional<std::string>(etag));
  const auto weak = conn.request({"GET", "/web/app.css", {{"If-None-Match", "W/" + etag}}, ""});
  CHECK(weak.status == 304);
  const auto other = conn.request({"GET", "/web/app.css", {{"If-None-Match", "\"stale\""}}, ""});
  CHECK(other.status == 200);
  CHECK(!other.body.empty());
}

TEST_CASE("web assets: other methods get 405, other paths 404", "[web]") {
  web_fixture f(true);
  http_connection conn("127.0.0.1", f.server.port());
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
    INFO(method);
    const auto reply = conn.request({method, "/", {}, ""});
    CHECK(reply.status == 405);
    CHECK(reply.header("Allow") == std::optional<std::string>("GET"));
  }
  for (const char* target : {"/index.html", "/web/", "/web/nope.js", "/web/app.js/", "/app.js",
                             "/web/%61pp.js", "/favicon.ico"}) {
    INFO(target);
    CHECK(conn.request({"GET", target, {}, ""}).status == 404);
  }
  CHECK(conn.request({"GET", "/health", {}, ""}).status == 200);
}

TEST_CASE("web assets: with web_ui off (the listener default) / is 404", "[web]") {
  CHECK_FALSE(listener_options{}.web_ui);
  web_fixture f(false);
  http_connection conn("127.0.0.1", f.server.port());
  CHECK(conn.request({"GET", "/", {}, ""}).status == 404);
  CHECK(conn.request({"GET", "/web/app.js", {}, ""}).status == 404);
}
