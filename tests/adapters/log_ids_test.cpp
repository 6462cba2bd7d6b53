// tests/adapters/log_ids_test.cpp — the id prefix of log lines: written once, read back
// exactly (also ids a client chose, with spaces, quotes or newlines in them).
#include "adapters/logging/log_ids.hpp"

#include <catch2/catch.hpp>

using so::logging::append_log_ids;
using so::logging::log_ids;
using so::logging::split_log_ids;

TEST_CASE("log ids: present ids are written in one order, empty ones left out", "[logging]") {
  std::string s;
  append_log_ids(s, {.conn = "c-1", .turn = "r-1"});
  CHECK(s == "conn=c-1 turn=r-1");
  CHECK(fmt::format("{} turn failed", log_ids{.session = "s-1"}) == "session=s-1 turn failed");
  CHECK(fmt::format("{}", log_ids{}).empty());
}

TEST_CASE("log ids: split takes the leading ids and leaves the message", "[logging]") {
  const auto m = split_log_ids("conn=c-1 session=s-1 turn=r-1 turn failed: boom");
  REQUIRE(m.ids.size() == 3);
  CHECK(m.ids[0] == std::pair<std::string_view, std::string>{"conn", "c-1"});
  CHECK(m.ids[1].second == "s-1");
  CHECK(m.ids[2].second == "r-1");
  CHECK(m.rest == "turn failed: boom");
  // No ids, or a key that is not one: the message is untouched.
  CHECK(split_log_ids("listening on 127.0.0.1:1").rest == "listening on 127.0.0.1:1");
  CHECK(split_log_ids("connx=1 hi").ids.empty());
  CHECK(split_log_ids("conn= hi").ids.empty());
}

TEST_CASE("log ids: a hostile id is quoted and cannot forge fields or lines", "[logging]") {
  const std::string rid = "r 1\" session=evil\nfake line";
  const auto line = fmt::format("{} turn failed", log_ids{.conn = "c-1", .turn = rid});
  CHECK(line.find('\n') == std::string::npos);
  const auto m = split_log_ids(line);
  REQUIRE(m.ids.size() == 2);
  CHECK(m.ids[1].first == "turn");
  CHECK(m.ids[1].second == rid);
  CHECK(m.rest == "turn failed");
}
