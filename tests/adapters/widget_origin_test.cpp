// Tests for origin matching of embed policies (adapters/auth/widget_origin.hpp,
// admin-auth.md §4.5): every row of the example table and every pattern form.
#include "adapters/auth/widget_origin.hpp"

#include <catch2/catch.hpp>

using so::adapters::auth::effective_origin;
using so::adapters::auth::origin_allowed;
using so::adapters::auth::origin_pattern_matches;

TEST_CASE("widget origin: the example table of admin-auth.md §4.5", "[widget]") {
  const std::vector<std::string> patterns{"https://app.example.com", "https://*.smoo.ai"};
  CHECK(origin_allowed(patterns, "https://app.example.com"));
  CHECK(origin_allowed(patterns, "https://dash.smoo.ai"));
  CHECK(origin_allowed(patterns, "https://a.b.smoo.ai"));
  CHECK(origin_allowed(patterns, "https://smoo.ai"));                  // the bare apex
  CHECK_FALSE(origin_allowed(patterns, "http://dash.smoo.ai"));        // scheme
  CHECK_FALSE(origin_allowed(patterns, "https://notsmoo.ai"));         // no dot boundary
  CHECK_FALSE(origin_allowed(patterns, "https://dash.smoo.ai:8443"));  // port is part of the host
  CHECK_FALSE(origin_allowed(patterns, "https://evil.com"));
  CHECK_FALSE(origin_allowed(patterns, effective_origin(std::nullopt)));  // missing Origin
}

TEST_CASE("widget origin: a wildcard pattern with the port matches that port only", "[widget]") {
  CHECK(origin_pattern_matches("https://*.smoo.ai:8443", "https://dash.smoo.ai:8443"));
  CHECK(origin_pattern_matches("https://*.smoo.ai:8443", "https://smoo.ai:8443"));
  CHECK_FALSE(origin_pattern_matches("https://*.smoo.ai:8443", "https://dash.smoo.ai"));
}

TEST_CASE("widget origin: '*' allows everything, a missing Origin included", "[widget]") {
  CHECK(origin_allowed({"*"}, ""));
  CHECK(origin_allowed({"*"}, "https://anything.example"));
  CHECK(origin_allowed({"https://x.example", "*"}, "null"));
}

TEST_CASE("widget origin: an empty allowlist denies everything", "[widget]") {
  CHECK_FALSE(origin_allowed({}, "https://app.example.com"));
  CHECK_FALSE(origin_allowed({}, ""));
}

TEST_CASE("widget origin: exact patterns compare raw bytes (no case folding, no normalization)",
          "[widget]") {
  CHECK(origin_pattern_matches("https://app.example.com", "https://app.example.com"));
  CHECK_FALSE(origin_pattern_matches("https://app.example.com", "https://APP.example.com"));
  CHECK_FALSE(origin_pattern_matches("https://app.example.com", "https://app.example.com/"));
  CHECK_FALSE(origin_pattern_matches("https://app.example.com", "https://app.example.com:443"));
  CHECK_FALSE(origin_pattern_matches("https://*.smoo.ai", "HTTPS://dash.smoo.ai"));  // scheme case
  CHECK_FALSE(origin_pattern_matches("https://*.smoo.ai", "https://dash.SMOO.ai"));
}

TEST_CASE("widget origin: other wildcard shapes are exact-match only", "[widget]") {
  // No scheme, a wildcard glued to the name, a wildcard in the middle.
  CHECK_FALSE(origin_pattern_matches("*.smoo.ai", "https://dash.smoo.ai"));
  CHECK(origin_pattern_matches("*.smoo.ai", "*.smoo.ai"));
  CHECK_FALSE(origin_pattern_matches("https://*smoo.ai", "https://dashsmoo.ai"));
  CHECK_FALSE(origin_pattern_matches("https://*smoo.ai", "https://smoo.ai"));
  CHECK(origin_pattern_matches("https://*smoo.ai", "https://*smoo.ai"));
  CHECK_FALSE(origin_pattern_matches("https://app.*.com", "https://app.example.com"));
  CHECK(origin_pattern_matches("https://app.*.com", "https://app.*.com"));
}

TEST_CASE("widget origin: a wildcard pattern needs '://' in the Origin too", "[widget]") {
  CHECK_FALSE(origin_pattern_matches("https://*.smoo.ai", "dash.smoo.ai"));
  CHECK_FALSE(origin_pattern_matches("https://*.smoo.ai", ""));
}

TEST_CASE("widget origin: a missing or non-ASCII Origin counts as the empty string", "[widget]") {
  CHECK(effective_origin(std::nullopt).empty());
  CHECK(effective_origin(std::string("https://b\xC3\xA4r.example")).empty());
  CHECK(effective_origin(std::string("https://x\x01y")).empty());
  CHECK(effective_origin(std::string("https://ok.example")) == "https://ok.example");
}
