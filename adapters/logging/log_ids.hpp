// adapters/logging/log_ids.hpp — the ids every log line about a connection, session or
// turn starts with, in one spelling for the whole server.
//
// A call site writes the ids first: spdlog::warn("{} lease lost", log_ids{.session = sid,
// .turn = rid}) prints `session=<sid> turn=<rid> lease lost`. Text logs read the same as
// before; the JSON format (net/json_log_formatter.hpp) lifts the leading ids out of the
// message into fields with `split_log_ids`. Keys: conn, session, turn, remote. Empty ids are left
// out. A value with a character outside [A-Za-z0-9._:@/+-] (a client's requestId may hold anything)
// is written as a JSON string literal, so a line cannot be forged or broken by an id. Cost:
// formatting happens only when the level is enabled (spdlog checks first); the struct holds views,
// nothing is copied until then. Thread-safety: pure functions; the views must outlive the log call.
#pragma once

#include <spdlog/fmt/fmt.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::logging {

struct log_ids {
  std::string_view conn{};     ///< connection id
  std::string_view session{};  ///< session id
  std::string_view turn{};     ///< the turn's requestId
  std::string_view remote{};   ///< the peer's address (socket-level lines)
};

/// Appends `conn=… session=… turn=… remote=…` (present ids only, single spaces).
void append_log_ids(std::string& out, const log_ids& ids);

/// A log message with its leading ids taken apart.
struct split_message {
  std::vector<std::pair<std::string_view, std::string>> ids;  ///< key ("conn"…), value
  std::string_view rest;                                      ///< the message after them
};

/// Reads the leading `key=value` ids (keys conn, session, turn, remote; in any order) of `msg`.
/// A message without them comes back whole in `rest`.
split_message split_log_ids(std::string_view msg);

}  // namespace so::logging

template <>
struct fmt::formatter<so::logging::log_ids> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Context>
  auto format(const so::logging::log_ids& ids, Context& ctx) const {
    std::string s;
    so::logging::append_log_ids(s, ids);
    return std::copy(s.begin(), s.end(), ctx.out());
  }
};
