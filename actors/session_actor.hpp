// actors/session_actor.hpp — one conversation session: its turn slot and its
// pending confirmation.
//
// The session is the single authority IN THIS PROCESS for "is a turn running here?"
// (one active turn per session, decisions.md) and "what waits for a verdict?" (one
// pending confirmation per session, engine.md §5.3). Any connection of the process may
// talk to it. Across processes sharing one storage, the turn it admits must also win
// the session's turn lease in storage (actors/turn_actor.hpp): a turn running in
// another process refuses it with the same TURN_IN_PROGRESS. It quits after
// `session_idle_timeout` with no turn, no pending confirmation and no traffic; the
// directory re-hydrates it on demand.
//
// Once drained (shutdown) it starts no turn any more, so a frame still queued
// somewhere when SIGTERM arrived cannot start a turn after the drain's "no live
// turn" check; the connection answers SERVER_DRAINING. A connection cancels the
// turn it started straight through the turn actor handed back in `turn_admission`;
// one that confirmed a parked turn here cancels through `(cancel, connection id)`, which
// the turn obeys only if that connection carries it (its sink gets the turn's events).
//
// With a message bus (services::bus), the session subscribes its control subject while
// it holds a turn that won the turn lease (`claimed`) or a pending confirmation, and
// unsubscribes when neither remains (actors/turn_control.hpp), so another process can
// confirm (with a remote_sink for its connection) or cancel that turn.
//
// Messages:
//   (startturn, turn_request) -> turn_admission   started (202 ack pushed, turn spawned and
//                                                 tracked), busy, or draining
//   (turnend)                                     from the turn: release the slot (no reply:
//                                                 the turn pushes its terminal event after it)
//   (claimed)                                     from the turn: it holds the turn lease (sent
//                                                 only with a bus: it drives the control subject)
//   (drain) -> ok                                 from the directory: refuse turns from now on
//   (park, confirmation actor) -> ok              from the turn: register a pending call
//   (take) -> pending_confirmation                hand the pending call to one confirmer
//   (retire, confirmation actor) -> bool          from a timing-out confirmation: still pending?
//   (get) -> live_counts                          this session's turn (0/1) and pending (0/1)
//   (cancel, connection id)                       forwarded to the turn (it checks the id)
//   (control, bus_message)                        a control-subject request (turn_control.hpp)
//   (interact, pending_interaction) -> ok         from the turn: register a parked interaction
//                                                 (one slot, separate from the confirmation)
//   (interact) -> pending_interaction             what is parked (null actor: nothing)
//   (retire, interact, interaction actor)         from the interaction: it resolved or timed out
//   (stamp, canonical identity values)            identity intake side effect (§1.14)
//   (record) -> session                           the session record as this actor holds it
//   (otp) -> ok                                   verify_otp succeeded: otpVerified stored
//                                                 in the metadata
#pragma once

#include "actors/services.hpp"
#include "protocol/domain.hpp"

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the actor (its state stays private to the .cpp).
/// `draining`: born after shutdown began (hydrated late), so refusing turns from the start.
caf::actor spawn_session(caf::actor_system& sys, services_ptr svc, protocol::session record,
                         bool draining = false);

}  // namespace so::actors
