// actors/session_actor.hpp — one conversation session: its turn slot and its
// pending confirmation.
//
// The session is the single authority for "is a turn running here?" (one active
// turn per session, decisions.md) and "what waits for a verdict?" (one pending
// confirmation per session, engine.md §5.3). Any connection of the process may
// talk to it. It quits after `session_idle_timeout` with no turn, no pending
// confirmation and no traffic; the directory re-hydrates it on demand.
//
// Messages:
//   (startturn, turn_request) -> turn_admission   pushes the 202 ack, then spawns the turn
//   (turnend) -> ok                               from the turn: release the slot
//   (cancel)                                      abort the active turn, if any
//   (park, confirmation actor) -> ok              from the turn: register a pending call
//   (take) -> pending_confirmation                hand the pending call to one confirmer
//   (retire, confirmation actor) -> bool          from a timing-out confirmation: still pending?
//   (get) -> live_counts                          this session's turn (0/1) and pending (0/1)
#pragma once

#include "actors/services.hpp"
#include "protocol/domain.hpp"

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_session(caf::actor_system& sys, services_ptr svc, protocol::session record);

}  // namespace so::actors
