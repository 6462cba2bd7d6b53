// tests/support/harness/scenario_runner.hpp — drives a scenario's steps over a frame channel.
//
// protocol.md §6.5 step 3: for each step, substitute captured variables into
// `send`, send it as one text frame, then run the matcher state machine over
// `expect`. Stops at the first failing step. The channel is an interface so the
// runner can be exercised with canned frames as well as a real WebSocket.
// Thread-safety: `run_steps` uses only its arguments; a channel is used by one
// thread at a time.
#pragma once

#include "tests/support/harness/matcher.hpp"
#include "tests/support/harness/scenario.hpp"

#include <chrono>
#include <string>

namespace so::test {

/// A bidirectional frame stream: outbound text frames and the inbound event source.
class frame_channel : public event_source {
 public:
  /// Sends one text frame; throws std::runtime_error when it cannot.
  virtual void send_text(const std::string& frame) = 0;
};

struct scenario_result {
  bool passed = false;
  /// First failure: "step <i> (<action>): <matcher failure>"; empty when passed.
  std::string failure;
};

/// Runs every step of `s` over `channel`. Never throws on a mismatch; every
/// problem (unknown variable, send failure, matcher failure) becomes `failure`.
scenario_result run_steps(const scenario& s, frame_channel& channel,
                          std::chrono::milliseconds event_timeout = default_event_timeout);

}  // namespace so::test
