// tests/net/json_log_formatter_test.cpp — SMOOTH_AGENT_LOG_FORMAT=json: every line one
// parseable object with ts, level, msg and the ids lifted out of the message.
#include "net/json_log_formatter.hpp"
#include "adapters/logging/log_ids.hpp"
#include "protocol/json.hpp"

#include <spdlog/details/log_msg.h>
#include <catch2/catch.hpp>

#include <regex>

namespace {

rapidjson::Document format_line(spdlog::level::level_enum level, std::string_view text) {
  so::net::json_log_formatter f;
  spdlog::details::log_msg msg("smooth-operator", level,
                               spdlog::string_view_t(text.data(), text.size()));
  spdlog::memory_buf_t buf;
  f.format(msg, buf);
  const std::string line(buf.data(), buf.size());
  INFO("line: " << line);
  REQUIRE(!line.empty());
  REQUIRE(line.back() == '\n');
  REQUIRE(line.find('\n') == line.size() - 1);
  rapidjson::Document d;
  REQUIRE(so::protocol::parse_untrusted(d, std::string_view(line).substr(0, line.size() - 1)).ok);
  REQUIRE(d.IsObject());
  return d;
}

std::string str(const rapidjson::Document& d, const char* key) {
  return so::protocol::get_string(d, key).value_or("<absent>");
}

}  // namespace

TEST_CASE("json log: ts, level and msg, and the ids as fields", "[logging]") {
  const auto text = fmt::format(
      "{} turn failed: boom", so::logging::log_ids{.conn = "c-1", .session = "s-1", .turn = "r 1"});
  const auto d = format_line(spdlog::level::warn, text);
  CHECK(str(d, "level") == "warn");
  CHECK(str(d, "msg") == "turn failed: boom");
  CHECK(str(d, "conn") == "c-1");
  CHECK(str(d, "session") == "s-1");
  CHECK(str(d, "turn") == "r 1");
  CHECK(std::regex_match(str(d, "ts"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST_CASE("json log: a line without ids, level names, and bad UTF-8 repaired", "[logging]") {
  auto d = format_line(spdlog::level::err, "stopped \"now\"\n");
  CHECK(str(d, "level") == "error");
  CHECK(str(d, "msg") == "stopped \"now\"\n");
  CHECK_FALSE(d.HasMember("conn"));
  CHECK(str(format_line(spdlog::level::trace, "x"), "level") == "trace");
  CHECK(str(format_line(spdlog::level::debug, "x"), "level") == "debug");
  CHECK(str(format_line(spdlog::level::info, "x"), "level") == "info");
  d = format_line(spdlog::level::info, "bad \xC3 byte");
  CHECK(so::protocol::get_string(d, "msg").has_value());
}
