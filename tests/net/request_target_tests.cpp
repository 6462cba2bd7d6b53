// tests/net/request_target_tests.cpp — the pure helpers behind `/ws?token=` and log redaction.
#include "net/request_target.hpp"

#include <catch2/catch.hpp>

using so::net::query_token;
using so::net::redact_target;
using so::net::split_target;
using so::net::url_decode;

TEST_CASE("split_target separates path and query", "[net]") {
  CHECK(split_target("/ws") == std::pair<std::string_view, std::string_view>{"/ws", ""});
  CHECK(split_target("/ws?token=a&b=c") ==
        std::pair<std::string_view, std::string_view>{"/ws", "token=a&b=c"});
  CHECK(split_target("/ws?") == std::pair<std::string_view, std::string_view>{"/ws", ""});
  CHECK(split_target("/a?b?c").second == "b?c");
}

TEST_CASE("url_decode handles escapes, plus and malformed escapes", "[net]") {
  CHECK(url_decode("abc") == "abc");
  CHECK(url_decode("a%20b") == "a b");
  CHECK(url_decode("a+b") == "a b");
  CHECK(url_decode("a%2Bb") == "a+b");
  CHECK(url_decode("%e2%9c%93") == "\xe2\x9c\x93");
  CHECK(url_decode("100%") == "100%");
  CHECK(url_decode("%zz%4") == "%zz%4");
  CHECK(url_decode("%41%4a%4A") == "AJJ");
}

TEST_CASE("query_token: first token, decoded, blank means absent", "[net]") {
  CHECK(query_token("token=abc") == std::optional<std::string>("abc"));
  CHECK(query_token("x=1&token=a%2Eb.c&y=2") == std::optional<std::string>("a.b.c"));
  CHECK(query_token("token=a+b") == std::optional<std::string>("a b"));
  CHECK(query_token("token=%20x%20") == std::optional<std::string>(" x "));
  CHECK_FALSE(query_token(""));
  CHECK_FALSE(query_token("x=1"));
  CHECK_FALSE(query_token("token="));
  CHECK_FALSE(query_token("token"));
  CHECK_FALSE(query_token("token=%20%09+"));
  CHECK_FALSE(query_token("mytoken=abc"));
  CHECK(query_token("token=first&token=second") == std::optional<std::string>("first"));
  CHECK(query_token("%74oken=abc") == std::optional<std::string>("abc"));
}

TEST_CASE("redact_target hides token values and keeps everything else", "[net]") {
  CHECK(redact_target("/ws") == "/ws");
  CHECK(redact_target("/ws?token=secret") == "/ws?token=[redacted]");
  CHECK(redact_target("/ws?a=1&token=secret&b=2") == "/ws?a=1&token=[redacted]&b=2");
  CHECK(redact_target("/x?access_token=s1&id_token=s2") ==
        "/x?access_token=[redacted]&id_token=[redacted]");
  CHECK(redact_target("/ws?%74oken=secret") == "/ws?%74oken=[redacted]");
  CHECK(redact_target("/ws?tokens=keep") == "/ws?tokens=keep");
  const auto redacted = redact_target("/ws?token=eyJhbGciOi.payload.sig&x=1");
  CHECK(redacted.find("eyJ") == std::string::npos);
}
