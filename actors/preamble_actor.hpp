// actors/preamble_actor.hpp — the `stream_preamble` side call of one turn
// (later-protocol.md §4.1; decisions.md: never after the turn's terminal event).
//
// Spawned by the turn right after its setup (retrieval, history, user message stored),
// in parallel with its first model call, when SMOOTH_AGENT_PREAMBLE_MODEL is set and the
// turn runs on the real gateway (never with a test-injected provider). It makes one short
// call (that model, 64 max tokens, the turn's temperature and gateway key, no tools, no
// history: a fixed system prompt and the user's message) on its own HTTP stream, so it
// never delays the turn's first token, and hands the trimmed answer to the turn as
// `(preamble, text)`. The TURN decides whether to emit it: only while no answer token has
// arrived and before its terminal event. Failures are logged (debug) and end it silently.
//
// Lifetime: the turn kills it (user_shutdown) when its first answer token arrives and when
// it ends (and from its state's destructor); it also monitors the turn and quits on its
// exit. Its stream is cancelled on every exit. It is tracked by the activity registry
// (activity_kind::preamble), so tests can prove none outlives its turn.
#pragma once

#include "actors/services.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace so::actors {

/// `(preamble, std::string text)`: the preamble's answer, sent to its turn.
using preamble_atom = caf::atom_constant<caf::atom("preamble")>;

/// Constant of the spec: the preamble call's output budget.
inline constexpr unsigned preamble_max_tokens = 64;

/// The fixed system prompt of the preamble call.
extern const std::string_view preamble_system_prompt;

struct preamble_spec {
  services_ptr svc;
  caf::actor turn;  ///< monitored; receives `(preamble, text)`
  std::string user_message;
  double temperature = 0.0;
  std::optional<std::string> gateway_key;
};

/// Spawns (and tracks) the preamble actor when it applies (see above); a null handle when
/// it does not.
caf::actor spawn_preamble(caf::actor_system& sys, preamble_spec spec);

}  // namespace so::actors
