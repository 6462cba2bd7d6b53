// tests/support/harness/conformance_runner.hpp — the per-server runner contract (protocol.md §6.5).
//
// One scenario, one mode: a fresh server with a fresh mock seeded from the
// scenario, one WebSocket client on /ws (no token, no Origin), the steps run by
// the matcher, then shutdown. Setup problems (malformed directives, boot or
// connect failures) are reported as a failed result, never thrown, so a corpus
// loop can report every scenario.
// Thread-safety: each call is self-contained; calls may run on different threads.
#pragma once

#include "tests/support/harness/scenario.hpp"
#include "tests/support/harness/scenario_runner.hpp"
#include "tests/support/harness/test_server.hpp"

#include <chrono>

namespace so::test {

scenario_result run_scenario(const scenario& s, llm_mode mode,
                             std::chrono::milliseconds event_timeout = default_event_timeout);

}  // namespace so::test
