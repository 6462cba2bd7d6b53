// net/json_log_formatter.cpp — see json_log_formatter.hpp.
#include "net/json_log_formatter.hpp"

#include "adapters/logging/log_ids.hpp"
#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <spdlog/details/log_msg.h>

#include <chrono>
#include <ctime>

namespace so::net {
namespace {

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// RFC 3339 UTC with milliseconds.
std::string timestamp(spdlog::log_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  return buf;
}

void string_field(protocol::json_writer& w, std::string_view key, std::string_view value) {
  protocol::write_key(w, key);
  if (protocol::is_valid_utf8(value)) {
    protocol::write_string(w, value);
  } else {
    protocol::write_string(w, protocol::repair_utf8(value));
  }
}

}  // namespace

void json_log_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  const auto split = logging::split_log_ids(text);
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  string_field(w, "ts", timestamp(msg.time));
  string_field(w, "level", level_name(msg.level));
  string_field(w, "msg", split.rest);
  for (const auto& [key, value] : split.ids) string_field(w, key, value);
  w.EndObject();
  dest.append(sb.GetString(), sb.GetString() + sb.GetSize());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> json_log_formatter::clone() const {
  return std::make_unique<json_log_formatter>();
}

}  // namespace so::net
