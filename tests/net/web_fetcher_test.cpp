// net/web_fetcher on the real HTTP client against a local HTTP server of the tests
// (issue 11 "Done when": HTML stripping, redirects, non-2xx, oversized body, and the
// SSRF guard rejecting loopback, private, link-local and metadata addresses when the
// test switch is off — on the first hop and on redirect hops; resolved addresses are
// judged, not host names).
#include "net/web_fetcher.hpp"
#include "adapters/knowledge/connectors/web_connector.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace so;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPage =
    "<html><head><title>t</title></head><body><h1>Warranty</h1><p>Seven&nbsp;years.</p>"
    "<script>alert(1)</script></body></html>";

test::http_test_response redirect(std::string location, int status = 302) {
  test::http_test_response r;
  r.status = status;
  r.headers = {{"Location", std::move(location)}};
  return r;
}

/// A local site: /page (HTML), /text, /old → /page, /rel/a → b (relative), /loop,
/// /missing (404), /boom (500), /big (2000 bytes), /slow, /to-metadata, /to-private.
struct site {
  test::http_test_server server{[this](const test::http_test_request& r) {
    hits.fetch_add(1);
    if (r.target == "/page") {
      test::http_test_response p{200, kPage};
      p.content_type = "text/html; charset=utf-8";
      return p;
    }
    if (r.target == "/text") return test::http_test_response{200, "plain\n\n  text"};
    if (r.target == "/old") return redirect("/page", 301);
    if (r.target == "/rel/a") return redirect("b", 307);
    if (r.target == "/rel/b") return redirect(server.url("/page"), 308);
    if (r.target == "/loop") return redirect("/loop");
    if (r.target == "/big") return test::http_test_response{200, std::string(2000, 'x')};
    if (r.target == "/slow") {
      test::http_test_response s{200, "late"};
      s.delay = 2s;
      return s;
    }
    if (r.target == "/to-metadata") return redirect("http://169.254.169.254/latest/meta-data/");
    if (r.target == "/to-private") return redirect("http://10.0.0.7/admin");
    if (r.target == "/to-v6-loopback") return redirect("http://[::1]:1/");
    if (r.target == "/boom") return test::http_test_response{500, "boom"};
    return test::http_test_response{404, "no"};
  }};
  std::atomic<int> hits{0};
};

std::shared_ptr<const adapters::connectors::web_fetcher> fetcher(
    test::background_io& io, bool allow_loopback, std::uint64_t max_bytes = 1 << 20,
    std::chrono::milliseconds timeout = 5s, net::host_resolver resolver = nullptr) {
  net::web_fetcher_options o;
  o.allow_loopback = allow_loopback;
  o.max_bytes = max_bytes;
  o.timeout = timeout;
  return net::make_web_fetcher(io.http(), o, std::move(resolver));
}

}  // namespace

TEST_CASE("web fetcher: an HTML page through the web connector is stripped to text",
          "[ingest][web]") {
  test::background_io io;
  site s;
  adapters::connectors::web_connector c(s.server.url("/page"), fetcher(io, true));
  const auto docs = c.pull(std::nullopt);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].content == "Warranty\n\nSeven years.");
  CHECK(docs[0].metadata.at("content_type") == "text/html; charset=utf-8");
  adapters::connectors::web_connector plain(s.server.url("/text"), fetcher(io, true));
  CHECK(plain.pull(std::nullopt)[0].content == "plain text");
}

TEST_CASE("web fetcher: redirects are followed, relative ones resolved, loops bounded",
          "[ingest][web]") {
  test::background_io io;
  site s;
  auto f = fetcher(io, true);
  auto page = f->fetch(s.server.url("/old"));
  CHECK(page.url == s.server.url("/page"));
  CHECK(page.status == 200);
  page = f->fetch(s.server.url("/rel/a"));
  CHECK(page.url == s.server.url("/page"));
  CHECK_THROWS_WITH(f->fetch(s.server.url("/loop")), Catch::Contains("more than 5 redirects"));
  CHECK(s.hits.load() == 2 + 3 + 6);
}

TEST_CASE("web fetcher: a non-2xx status is an error naming it", "[ingest][web]") {
  test::background_io io;
  site s;
  auto f = fetcher(io, true);
  CHECK_THROWS_WITH(f->fetch(s.server.url("/missing")), Catch::Contains("HTTP 404"));
  CHECK_THROWS_WITH(f->fetch(s.server.url("/boom")), Catch::Contains("HTTP 500"));
}

TEST_CASE("web fetcher: a body over the cap fails, at the cap it passes", "[ingest][web]") {
  test::background_io io;
  site s;
  CHECK_THROWS_WITH(fetcher(io, true, 1999)->fetch(s.server.url("/big")),
                    Catch::Contains("over 1999 bytes (SMOOTH_AGENT_WEB_CONNECTOR_MAX_BYTES)"));
  CHECK(fetcher(io, true, 2000)->fetch(s.server.url("/big")).body.size() == 2000);
}

TEST_CASE("web fetcher: a slow server hits the timeout", "[ingest][web]") {
  test::background_io io;
  site s;
  CHECK_THROWS_WITH(fetcher(io, true, 1 << 20, 300ms)->fetch(s.server.url("/slow")),
                    Catch::Contains("timed out"));
}

TEST_CASE("web fetcher: with the switch off the guard refuses before any request",
          "[ingest][web][ssrf]") {
  test::background_io io;
  site s;
  auto f = fetcher(io, false, 1 << 20, 2s);
  const auto port = std::to_string(s.server.port());
  for (const std::string& url : std::vector<std::string>{
           s.server.url("/page"), "http://localhost:" + port + "/page",
           "http://[::1]:" + port + "/page", "http://[::ffff:127.0.0.1]:" + port + "/page",
           "http://2130706433:" + port + "/page", "http://10.1.2.3/", "http://192.168.0.10/",
           "http://172.20.0.1/", "http://169.254.169.254/latest/meta-data/",
           "http://169.254.10.10/", "http://[fe80::1]/", "http://[fd00:ec2::254]/"}) {
    INFO(url);
    CHECK_THROWS_WITH(f->fetch(url), Catch::Contains("SSRF guard"));
  }
  CHECK(s.hits.load() == 0);  // nothing reached the server
  CHECK_THROWS_WITH(f->fetch("http://169.254.169.254/"), Catch::Contains("metadata"));
  CHECK_THROWS_WITH(f->fetch("http://127.0.0.1:1/"), Catch::Contains("loopback"));
  CHECK_THROWS_WITH(f->fetch("http://10.0.0.1/"), Catch::Contains("private"));
  CHECK_THROWS_WITH(f->fetch("http://169.254.1.1/"), Catch::Contains("link-local"));
  CHECK_THROWS_WITH(f->fetch("ftp://example.test/"), Catch::Contains("scheme"));
}

TEST_CASE("web fetcher: every redirect hop is re-checked", "[ingest][web][ssrf]") {
  test::background_io io;
  site s;
  auto f = fetcher(io, true, 1 << 20, 2s);
  CHECK_THROWS_WITH(f->fetch(s.server.url("/to-metadata")),
                    Catch::Contains("169.254.169.254") && Catch::Contains("metadata"));
  CHECK_THROWS_WITH(f->fetch(s.server.url("/to-private")), Catch::Contains("private"));
  CHECK_THROWS_WITH(f->fetch(s.server.url("/to-v6-loopback")), Catch::Contains("loopback"));
  CHECK(s.hits.load() == 3);  // each first hop only
}

TEST_CASE("web fetcher: resolved addresses are judged, not host names", "[ingest][web][ssrf]") {
  test::background_io io;
  site s;
  // A friendly-looking name resolving inside is refused; one bad address of several
  // refuses the host; an unresolvable name is an error.
  const net::host_resolver resolver = [](const std::string& host) -> std::vector<std::string> {
    if (host == "docs.example.test") return {"10.0.0.5"};
    if (host == "mixed.example.test") return {"93.184.216.34", "169.254.169.254"};
    if (host == "local.example.test") return {"127.0.0.1"};
    throw std::runtime_error("resolve " + host + ": Name or service not known");
  };
  auto f = fetcher(io, true, 1 << 20, 2s, resolver);
  CHECK_THROWS_WITH(f->fetch("http://docs.example.test/"),
                    Catch::Contains("docs.example.test resolves to 10.0.0.5, a private address"));
  CHECK_THROWS_WITH(f->fetch("http://mixed.example.test/"),
                    Catch::Contains("169.254.169.254, the cloud metadata address"));
  CHECK_THROWS_WITH(f->fetch("http://nowhere.example.test/"), Catch::Contains("not known"));
  // The connection goes to the vetted address, with the URL's host in the Host header.
  const auto page =
      f->fetch("http://local.example.test:" + std::to_string(s.server.port()) + "/text");
  CHECK(page.body == "plain\n\n  text");
  const auto reqs = s.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].header("Host").value_or("").rfind("local.example.test", 0) == 0);
}

TEST_CASE("web fetcher: relative Location resolution", "[ingest][web]") {
  CHECK(net::resolve_location("http://a.test/x/y?q=1", "https://b.test/z") == "https://b.test/z");
  CHECK(net::resolve_location("https://a.test/x/y", "//c.test/p") == "https://c.test/p");
  CHECK(net::resolve_location("http://a.test:81/x/y?q", "/root") == "http://a.test:81/root");
  CHECK(net::resolve_location("http://a.test/x/y?q", "z?k=v") == "http://a.test/x/z?k=v");
  CHECK(net::resolve_location("http://a.test", "z") == "http://a.test/z");
}
