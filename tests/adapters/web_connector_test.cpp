// The web connector's pure parts (adapters/knowledge/connectors/): the SSRF guard's
// address verdicts (IPv4 and IPv6, embedded IPv4 forms, the test-only loopback
// switch), HTML to text, whitespace collapsing, HTML sniffing, and the connector with
// a stub fetcher. The fetcher on the real HTTP client: tests/net/web_fetcher_test.cpp.
#include "adapters/knowledge/connectors/web_connector.hpp"
#include "adapters/knowledge/connectors/html_text.hpp"
#include "adapters/knowledge/connectors/ssrf_guard.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters::connectors;

TEST_CASE("ssrf guard: loopback, private, link-local, metadata and friends are refused",
          "[ingest][web][ssrf]") {
  const auto refused = [](const char* ip) { return ssrf_refusal(ip).has_value(); };
  for (const char* ip : {"127.0.0.1",
                         "127.255.0.9",
                         "10.0.0.1",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "169.254.169.254",
                         "169.254.0.1",
                         "100.64.0.1",
                         "0.0.0.0",
                         "192.0.0.8",
                         "198.18.0.1",
                         "224.0.0.1",
                         "255.255.255.255",
                         "::",
                         "::1",
                         "fe80::1",
                         "fec0::1",
                         "fc00::1",
                         "fd00:ec2::254",
                         "ff02::1",
                         "::ffff:127.0.0.1",
                         "::ffff:169.254.169.254",
                         "::ffff:10.0.0.1",
                         "::127.0.0.1",
                         "64:ff9b::a9fe:a9fe",
                         "2002:7f00:1::1",
                         "2002:a00:1::"}) {
    INFO(ip);
    CHECK(refused(ip));
  }
  CHECK(*ssrf_refusal("169.254.169.254") == "the cloud metadata address");
  CHECK(*ssrf_refusal("127.0.0.1") == "a loopback address");
  CHECK(*ssrf_refusal("10.1.2.3") == "a private address");
  CHECK(*ssrf_refusal("fe80::1") == "a link-local address");
  CHECK(*ssrf_refusal("::ffff:192.168.0.1") == "a private address");
  // Public addresses pass.
  for (const char* ip : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1",
                         "2606:4700::1111", "2002:5db8:d822::1", "::ffff:8.8.8.8"}) {
    INFO(ip);
    CHECK_FALSE(refused(ip));
  }
  // Not an address (a host name is never judged by its name).
  CHECK(*ssrf_refusal("localhost") == "not an IP address");
  CHECK(refused("[::1]"));
}

TEST_CASE("ssrf guard: the test-only switch lets exactly 127.0.0.1 through",
          "[ingest][web][ssrf]") {
  CHECK_FALSE(ssrf_refusal("127.0.0.1", true));
  CHECK_FALSE(ssrf_refusal("::ffff:127.0.0.1", true));  // the same address
  for (const char* ip : {"127.0.0.2", "::1", "10.0.0.1", "169.254.169.254", "192.168.0.1"}) {
    INFO(ip);
    CHECK(ssrf_refusal(ip, true));
  }
}

TEST_CASE("html to text: markup, scripts and styles stripped, blocks become paragraphs",
          "[ingest][web][html]") {
  const std::string html = R"(<!DOCTYPE html>
<html><head><title>Ignored title</title><style>p { color: red }</style>
<script>var secret = "<p>not text</p>";</script></head>
<body>
  <h1>Return   policy</h1>
  <!-- a comment <p>hidden</p> -->
  <p>Returns are accepted within <b>30</b>&nbsp;days.</p>
  <div>Fish &amp; chips &lt;cheap&gt; &#39;ok&#39; &#x2019; &rsquo;<br>next line</div>
  <ul><li>one</li><li>two</li></ul>
  <noscript>enable js</noscript>
  <p>a < b and c > d</p>
</body></html>)";
  CHECK(html_to_text(html) ==
        "Return policy\n\nReturns are accepted within 30 days.\n\nFish & chips <cheap> 'ok' "
        "\u2019 \u2019\n\nnext line\n\none\n\ntwo\n\na < b and c > d");
}

TEST_CASE("html to text: malformed markup never fails", "[ingest][web][html]") {
  CHECK(html_to_text("") == "");
  CHECK(html_to_text("text <p unclosed") == "text");
  CHECK(html_to_text("text <!-- unclosed comment") == "text");
  CHECK(html_to_text("<script>never closed") == "");
  CHECK(html_to_text("&bogus; &#xZZ; & alone &#1114112;") == "&bogus; &#xZZ; & alone \uFFFD");
  CHECK(html_to_text("bad \xFF byte") == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("html sniffing and whitespace collapsing", "[ingest][web][html]") {
  CHECK(looks_like_html("text/html; charset=utf-8", "plain"));
  CHECK(looks_like_html("application/xhtml+xml", ""));
  CHECK(looks_like_html("", "  \n<!doctype HTML><p>x"));
  CHECK(looks_like_html("application/octet-stream", "<html><body>x"));
  CHECK_FALSE(looks_like_html("text/plain", "<html>x"));
  CHECK_FALSE(looks_like_html("", "just <b>text</b>"));
  CHECK(collapse_whitespace("  a \n\n b\t\tc  ") == "a b c");
}

namespace {

class stub_fetcher final : public web_fetcher {
 public:
  web_page page;
  mutable std::vector<std::string> urls;
  web_page fetch(const std::string& url) const override {
    urls.push_back(url);
    return page;
  }
};

}  // namespace

TEST_CASE("web connector: one document per page, html stripped, text collapsed", "[ingest][web]") {
  auto f = std::make_shared<stub_fetcher>();
  f->page = {"https://example.test/final", 200, "text/html", "<p>Hello</p><p>World</p>"};
  web_connector c("https://example.test/start", f);
  auto docs = c.pull(std::string("2026-01-01T00:00:00Z"));  // since is ignored
  REQUIRE(docs.size() == 1);
  CHECK(f->urls == std::vector<std::string>{"https://example.test/start"});
  CHECK(docs[0].id == "https://example.test/start");
  CHECK(docs[0].source == "web");
  CHECK(docs[0].title == std::optional<std::string>("https://example.test/start"));
  CHECK(docs[0].content == "Hello\n\nWorld");
  CHECK(docs[0].metadata.at("url") == "https://example.test/start");
  CHECK(docs[0].metadata.at("final_url") == "https://example.test/final");
  CHECK(docs[0].metadata.at("content_type") == "text/html");

  f->page = {"https://example.test/start", 200, "text/plain", "a\n\n  b"};
  CHECK(c.pull(std::nullopt)[0].content == "a b");
}

TEST_CASE("web connector: only http(s) URLs, and only with a fetcher", "[ingest][web]") {
  auto f = std::make_shared<stub_fetcher>();
  CHECK_THROWS_AS(web_connector("ftp://example.test/x", f), connector_config_error);
  CHECK_THROWS_AS(web_connector("file:///etc/passwd", f), connector_config_error);
  CHECK_THROWS_AS(web_connector("https://example.test/", nullptr), connector_config_error);
  CHECK_NOTHROW(web_connector("HTTPS://example.test/", f));
}
