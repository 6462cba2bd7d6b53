// tests/support/harness/matcher.hpp — the scenario matcher state machine (protocol.md §6.3).
//
// One `matcher` is one entry of a step's `expect` list. `match_step` runs the
// reference runners' algorithm exactly: a pending look-ahead event handed from
// a `repeat` run to the next matcher, repeat runs that may be empty, top-level
// string accumulation, status / statusGte / assert / capture checks, and a
// `next_event` that skips `keepalive` and `pong` frames. A look-ahead left over
// after the last matcher is discarded (events after it are never checked).
// The event source is an interface so the algorithm is testable with canned
// frames; the WebSocket adapter lives in ws_channel.hpp.
// Thread-safety: matchers are immutable values (shareable across threads);
// `match_step` uses only its arguments, which the caller must not share.
#pragma once

#include "tests/support/harness/substitution.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace so::test {

/// Per-event read timeout of the runner: a missing event fails instead of hanging.
inline constexpr std::chrono::milliseconds default_event_timeout{10'000};

/// Where a step's events come from.
class event_source {
 public:
  virtual ~event_source() = default;
  /// The next text frame, or nullopt when none arrived within `timeout` (or the
  /// stream ended).
  virtual std::optional<std::string> next_frame(std::chrono::milliseconds timeout) = 0;
  /// Why the last `next_frame` returned nullopt (for failure messages).
  virtual std::string end_reason() const { return "no frame arrived"; }
};

/// One parsed `expect` entry. Expected values point into `source`, which it owns.
struct matcher {
  std::string type;
  const rapidjson::Value* status = nullptr;  ///< any JSON; compared with json_equal
  std::optional<double> status_gte;
  std::vector<std::pair<std::string, const rapidjson::Value*>> asserts;  ///< path → expected
  std::vector<std::pair<std::string, std::string>> captures;             ///< var → path
  bool repeat = false;
  std::optional<std::string> accumulate;  ///< top-level string field name
  std::optional<std::string> assert_accumulated;
  std::shared_ptr<const rapidjson::Document> source;  ///< this matcher's JSON
  std::string text;                                   ///< compact JSON, for messages
};

/// Parses one `expect` entry. Throws std::invalid_argument saying what is wrong
/// (missing `type`, a field of the wrong JSON type).
matcher parse_matcher(const rapidjson::Value& json);

/// One event read from the source (never `keepalive` or `pong`).
struct event {
  std::shared_ptr<const rapidjson::Document> json;
  std::string text;  ///< the frame as received
  std::string type;  ///< "" when the frame has no string `type`
};

/// Either an event or the reason none could be read.
struct next_event_result {
  std::optional<event> ev;
  std::string error;
};

/// Reads frames until one whose `type` is neither "keepalive" nor "pong". The
/// timeout bounds the whole call (skipped frames included). A frame that is not
/// JSON is an error (servers only send JSON text).
next_event_result next_event(event_source& source, std::chrono::milliseconds timeout);

/// Runs one step's matchers over `source`, storing captures into `vars`.
/// Returns nullopt on success, else a message naming the matcher index, the
/// matcher's JSON, what was expected and the actual event JSON.
std::optional<std::string> match_step(const std::vector<matcher>& expect, event_source& source,
                                      variables& vars,
                                      std::chrono::milliseconds timeout = default_event_timeout);

}  // namespace so::test
