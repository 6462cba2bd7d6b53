// net/json_log_formatter.hpp — SMOOTH_AGENT_LOG_FORMAT=json: one JSON object per log line.
//
// `{"ts":"2026-06-24T12:00:00.123Z","level":"info","msg":"…","conn":"…","session":"…",
// "turn":"…"}`: `ts` is UTC with milliseconds, `level` one of trace|debug|info|warn|error|
// critical, the ids are lifted from the start of the message (adapters/logging/log_ids.hpp)
// and present only when the line carries them. Invalid UTF-8 in a message is repaired
// (U+FFFD), so every line parses. The formatter runs on the logger's writer thread (the
// async logger formats there), never on the thread that logged.
// Thread-safety: spdlog calls a formatter from one thread at a time (the sink's lock).
#pragma once

#include <spdlog/formatter.h>

#include <memory>

namespace so::net {

class json_log_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace so::net
