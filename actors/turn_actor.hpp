// actors/turn_actor.hpp — one `send_message` turn: the agent loop (engine.md §1).
//
// Spawned by the session actor after the 202 ack. It never blocks: knowledge,
// history and persistence go through the storage pool; the LLM streams into
// its mailbox as `llm_event`s; tools complete as `tool_finished`; a gated tool
// parks on a confirmation actor. It stays responsive to `cancel` throughout.
// Every event goes to the originating connection's sink (or to the confirming
// connection once the original socket is gone). The session's turn slot is
// released before the terminal event (eventual_response / cancelled / error) is
// sent, and the actor quits right after it: no turn outlives its terminal event.
//
// Messages:
//   (llm_event), (tool_finished), (verdict, confirmation_verdict), (cancel)
#pragma once

#include "actors/messages.hpp"
#include "actors/services.hpp"

#include <caf/fwd.hpp>

namespace so::actors {

struct turn_spec {
  services_ptr svc;
  caf::actor session;
  protocol::session record;
  turn_request request;
};

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_turn(caf::actor_system& sys, turn_spec spec);

}  // namespace so::actors
