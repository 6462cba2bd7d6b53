// actors/turn_actor.hpp — one `send_message` turn: the agent loop (engine.md §1).
//
// Spawned by the session actor, which holds the session's slot in THIS process. It
// never blocks: knowledge, history and persistence go through the storage pool; the
// LLM streams into its mailbox as `llm_events` (one message per read); tools complete as
// `tool_finished`; a gated tool parks on a confirmation actor. It stays responsive to `cancel`
// throughout. Every event goes to the originating connection's sink (or to the confirming
// connection once the original socket is gone; a confirmer on another process gets
// them through a remote_sink). That connection "carries" the turn: `(cancel, its id)`
// cancels only when the id names it (a plain `cancel` always does).
//
// The turn lease (issue 9 item 5; storage.hpp) makes the slot hold across processes
// sharing one storage. The turn's first storage job claims it (owner
// services::turn_owner, SMOOTH_AGENT_TURN_LEASE_SECS), then reads the history and
// commits the user message; only then is the 202 ack pushed (README "Durability"), and
// the session is told `claimed` (from then on it answers the session's control
// subject, actors/turn_control.hpp). A refused claim (another process's turn holds a live lease)
// ends the turn with `error` TURN_IN_PROGRESS: no ack, nothing stored. A failed claim ends it like
// any failure of that job (AGENT_ERROR, or STORAGE_BUSY / STORAGE_TIMEOUT). A cancel that arrives
// before that job answered is carried out after it (ack, then `cancelled`). While the turn runs,
// the lease is renewed every third of its length (a storage job on the actor's timer; a failed
// renew is logged and the turn goes on; not done for storage that runs inline, whose leases nobody
// outside this process can contend). Before the terminal event (eventual_response / cancelled /
// error) the lease is released (in the reply's own job when there is a reply; a failed release is
// logged and the lease expires), then the session's slot, and the actor quits right after the
// event: no turn outlives its terminal event. A turn killed without a terminal event (shutdown past
// the drain timeout) leaves its lease to expire.
//
// Messages:
//   (llm_events), (tool_finished), (verdict, confirmation_verdict), (cancel),
//   (cancel, connection id),
//   (renewlease) — its own timer
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
