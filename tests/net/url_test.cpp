// Tests for URL splitting (net/url.hpp).
#include "net/url.hpp"

#include <catch2/catch.hpp>

using so::net::parse_url;
using so::net::parsed_url;

namespace {

parsed_url ok(std::string_view url) {
  auto r = parse_url(url);
  INFO(url);
  REQUIRE(std::holds_alternative<parsed_url>(r));
  return std::get<parsed_url>(r);
}

}  // namespace

TEST_CASE("url: scheme, host, port and target", "[http][url]") {
  auto a = ok("https://llm.smoo.ai/v1/chat/completions");
  CHECK(a.tls);
  CHECK(a.host == "llm.smoo.ai");
  CHECK(a.port == 443);
  CHECK(a.default_port);
  CHECK(a.target == "/v1/chat/completions");

  auto b = ok("HTTP://127.0.0.1:8080?q=1#frag");
  CHECK_FALSE(b.tls);
  CHECK(b.port == 8080);
  CHECK_FALSE(b.default_port);
  CHECK(b.target == "/?q=1");

  auto c = ok("http://[::1]:9000/x");
  CHECK(c.host == "::1");
  CHECK(c.port == 9000);

  CHECK(ok("http://example.com").target == "/");
}

TEST_CASE("url: malformed URLs are errors", "[http][url]") {
  for (const char* bad :
       {"ftp://x/", "http://", "http://:80/", "http://h:/", "http://h:0/", "http://h:65536/",
        "http://h:8x/", "http://[::1/", "http://u:p@h/", "h/x"}) {
    INFO(bad);
    CHECK(std::holds_alternative<std::string>(parse_url(bad)));
  }
}
