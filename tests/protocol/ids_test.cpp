// tests/protocol/ids_test.cpp — UUID v4 minting and recognition.
#include "protocol/ids.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace so::protocol;

TEST_CASE("new_uuid_v4 is lowercase, hyphenated, version 4, RFC 4122 variant", "[protocol][ids]") {
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_uuid_v4();
    INFO(id);
    REQUIRE(id.size() == 36);
    for (std::size_t k = 0; k < id.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        REQUIRE(id[k] == '-');
      } else {
        REQUIRE(((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'a' && id[k] <= 'f')));
      }
    }
    REQUIRE(id[14] == '4');
    REQUIRE((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
    REQUIRE(looks_like_uuid(id));
  }
}

TEST_CASE("new_uuid_v4 does not repeat, across threads either", "[protocol][ids]") {
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 2000; ++i) out.push_back(new_uuid_v4());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : per_thread) all.insert(v.begin(), v.end());
  CHECK(all.size() == 8000);
}

TEST_CASE("looks_like_uuid", "[protocol][ids]") {
  CHECK(looks_like_uuid("2f0c6a52-8f8e-4c8e-9b7e-2d7c1d0e4a11"));
  CHECK(looks_like_uuid("11111111-1111-1111-1111-111111111111"));  // any version
  CHECK(looks_like_uuid("2F0C6A52-8F8E-4C8E-9B7E-2D7C1D0E4A11"));  // case-insensitive
  CHECK_FALSE(looks_like_uuid(""));
  CHECK_FALSE(looks_like_uuid("conv-1"));
  CHECK_FALSE(looks_like_uuid("2f0c6a528f8e4c8e9b7e2d7c1d0e4a11"));       // no hyphens
  CHECK_FALSE(looks_like_uuid("2f0c6a52-8f8e-4c8e-9b7e-2d7c1d0e4a1"));    // short
  CHECK_FALSE(looks_like_uuid("2f0c6a52-8f8e-4c8e-9b7e-2d7c1d0e4a111"));  // long
  CHECK_FALSE(looks_like_uuid("2f0c6a52-8f8e-4c8e-9b7e_2d7c1d0e4a11"));   // wrong separator
  CHECK_FALSE(looks_like_uuid("2f0c6a52-8f8e-4c8e-9b7e-2d7c1d0e4a1g"));   // not hex
  CHECK_FALSE(looks_like_uuid("2f0c6a5-28f8e-4c8e-9b7e-2d7c1d0e4a11"));   // hyphen misplaced
}
