// tests/protocol/percent_encoding_test.cpp — the shared %XX encoder and its inverse.
#include "protocol/percent_encoding.hpp"

#include <catch2/catch.hpp>

#include <cctype>

using so::protocol::percent_decode;
using so::protocol::percent_encode;

TEST_CASE("percent encoding keeps the chosen bytes and escapes the rest in uppercase hex",
          "[protocol]") {
  auto alnum = [](unsigned char c) { return std::isalnum(c) != 0; };
  CHECK(percent_encode("a b/c", alnum) == "a%20b%2Fc");
  CHECK(percent_encode(std::string("\xff\x00", 2), alnum) == "%FF%00");
  CHECK(percent_encode("", alnum).empty());
}

TEST_CASE("percent decoding inverts the encoding and refuses malformed escapes", "[protocol]") {
  auto none = [](unsigned char) { return false; };
  const std::string raw("acme corp\r\n%\x01", 13);
  CHECK(percent_decode(percent_encode(raw, none)) == raw);
  CHECK(percent_decode("a%20b") == "a b");
  CHECK_FALSE(percent_decode("%2").has_value());
  CHECK_FALSE(percent_decode("%G0").has_value());
  CHECK_FALSE(percent_decode("%2f").has_value());  // lowercase is not what we write
}
