// actors/interaction_actor.hpp — one parked Rich Interaction waiting for submit_interaction.
//
// Spawned by a turn when a raise tool (`request_identity_intake`, `request_choices`)
// runs on a session that renders the kind as a card (later-protocol.md §1.6). It is
// registered in the session's interaction slot (separate from the confirmation slot)
// and lives until the park resolves: by a submitter (submitted or declined), by its
// timeout (the model gets `no_response`), or by the turn ending (cancel, disconnect,
// shutdown: the turn and the session kill it). Modelled on the pending confirmation
// (actors/confirmation_actor.hpp), with the same two-step hand-over so the submitter's
// 200 ack precedes every event of the resumed turn: the submitter first gets `true`,
// pushes its ack, and only then sends `begin`, which releases the outcome to the turn.
// A recorded outcome never strands the turn: the submitter is monitored from then on,
// and if it dies before `begin` (or stays silent one grace period past the timeout) the
// outcome is released anyway.
//
// The deadline is fixed at the raise; an outcome tagged with another interaction id is
// refused (`false`) and neither resolves nor extends the park (§1.13). At the timeout
// the session's registration is retired (decisions.md: a late submit then gets
// NO_PENDING_INTERACTION, unlike the reference which keeps it until turn end).
// An accepted identity intake stamps the session (`stamp`) before the submitter is
// answered, so the side effect precedes the ack (§1.8 row 10, §1.14).
//
// Messages:
//   (interact, interaction_outcome) -> bool   from a submitter: true = recorded
//   (begin)                                   from the same submitter: release it
//   (timeout)                                 self-scheduled
//   down_msg of the submitter                 releases a recorded outcome
// To the turn: (interact, interaction_outcome). To the session: (stamp, canonical values)
// and (retire, interact, self).
// Thread-safety: an actor; its state is touched only by its own handlers.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace so::actors {

struct interaction_spec {
  caf::actor turn;
  caf::actor session;
  std::string interaction_id;
  std::string kind;  ///< the wire kind (protocol/interactions.hpp)
  std::chrono::milliseconds timeout{300'000};
};

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_interaction(caf::actor_system& sys, interaction_spec spec);

}  // namespace so::actors
