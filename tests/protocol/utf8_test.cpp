// Tests for the project's one UTF-8 decoder and encoder (protocol/utf8.hpp).
#include "protocol/utf8.hpp"

#include <catch2/catch.hpp>

using namespace so::protocol;

TEST_CASE("utf8: well-formed sequences of every length decode", "[utf8]") {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  const auto a = decode_utf8_at(s, 0);
  CHECK(a.code_point == U'a');
  CHECK(a.length == 1);
  const auto e = decode_utf8_at(s, 1);
  CHECK(e.code_point == 0xE9);
  CHECK(e.length == 2);
  const auto euro = decode_utf8_at(s, 3);
  CHECK(euro.code_point == 0x20AC);
  CHECK(euro.length == 3);
  const auto smile = decode_utf8_at(s, 6);
  CHECK(smile.code_point == 0x1F600);
  CHECK(smile.length == 4);
}

TEST_CASE("utf8: malformed sequences decode as length 0", "[utf8]") {
  for (const std::string& bad : {
           std::string("\x80"),              // lone continuation byte
           std::string("\xC0\xAF"),          // overlong '/'
           std::string("\xE0\x80\xAF"),      // overlong, three bytes
           std::string("\xED\xA0\x80"),      // surrogate U+D800
           std::string("\xF4\x90\x80\x80"),  // above U+10FFFF
           std::string("\xE2\x82"),          // truncated
           std::string("\xC3\x41"),          // continuation missing
           std::string("\xFF"),              // never valid
       }) {
    INFO(bad.size());
    CHECK(decode_utf8_at(bad, 0).length == 0);
  }
}

TEST_CASE("utf8: append_utf8 round-trips through the decoder", "[utf8]") {
  for (char32_t cp : {U'\0', U'x', char32_t{0x7FF}, char32_t{0x800}, char32_t{0xFFFD},
                      char32_t{0x10000}, char32_t{0x10FFFF}}) {
    std::string out;
    append_utf8(out, cp);
    const auto d = decode_utf8_at(out, 0);
    CHECK(d.code_point == cp);
    CHECK(d.length == out.size());
  }
}

TEST_CASE("utf8: repair replaces each bad byte with one U+FFFD", "[utf8]") {
  CHECK(repair_utf8("ok \xC3\xA9") == "ok \xC3\xA9");
  CHECK(repair_utf8("a\xFF"
                    "b") ==
        "a\xEF\xBF\xBD"
        "b");
  // Three bad bytes (an overlong form) cost three replacements, never the rest.
  CHECK(repair_utf8("\xE0\x80\x80z") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
  CHECK(repair_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("utf8: utf8_length counts code points", "[utf8]") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("h\xC3\xA9") == 2);
  CHECK(utf8_length("\xE2\x82\xAC") == 1);
  CHECK(utf8_length("\xF0\x9F\x98\x80!") == 2);
}

TEST_CASE("utf8: utf8_prefix never splits a code point", "[utf8]") {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  CHECK(utf8_prefix(s, 0) == "");
  CHECK(utf8_prefix(s, 1) == "a");
  CHECK(utf8_prefix(s, 2) == "a\xC3\xA9");
  CHECK(utf8_prefix(s, 3) == "a\xC3\xA9\xE2\x82\xAC");
  CHECK(utf8_prefix(s, 4) == "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(utf8_prefix(s, 5) == s);
  CHECK(utf8_prefix(s, 500) == s);
  CHECK(utf8_prefix("", 3) == "");
}

TEST_CASE("utf8: is_valid_utf8 agrees with repair_utf8", "[utf8]") {
  for (const std::string& s :
       {std::string(), std::string("plain ascii"),
        std::string("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), std::string("\x80"),
        std::string("ok\xC3"), std::string("\xED\xA0\x80"), std::string("x\xF4\x90\x80\x80y")}) {
    INFO(s);
    CHECK(is_valid_utf8(s) == (repair_utf8(s) == s));
  }
  CHECK(is_valid_utf8("Grüße 日本語 🎉"));
  CHECK_FALSE(
      is_valid_utf8("a\xFF"
                    "b"));
}

TEST_CASE("utf8: append_repaired_utf8 appends the repaired text", "[utf8]") {
  std::string out = "kept:";
  append_repaired_utf8(out,
                       "a\xFF"
                       "b");
  CHECK(out ==
        "kept:a\xEF\xBF\xBD"
        "b");
}
