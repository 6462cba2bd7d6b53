// actors/confirmation_actor.hpp — one parked tool call waiting for a human verdict.
//
// Spawned by a turn when the model calls a gated tool (engine.md §5). It lives
// until the call is decided: by a confirmer, by its timeout (treated as denied),
// or by the turn ending. The two-step hand-over keeps the required order
// (protocol.md §3.6.3): the confirming connection first gets an `ok`, pushes its
// 200 ack, and only then sends `begin`, which releases the verdict to the turn.
// A timeout asks the session to retire the registration first, so a confirmer
// that already took it is never overtaken. A recorded verdict never strands the
// turn: the confirmer is monitored from `verdict` on, and if it dies before
// `begin` (or stays silent past the timeout plus a grace period) the verdict is
// released to the turn anyway.
//
// Messages:
//   (verdict, confirmation_verdict) -> ok   from a confirmer (error once decided)
//   (begin)                                  from the same confirmer: release it
//   (timeout)                                self-scheduled
//   down_msg of the confirmer                releases a recorded verdict
#pragma once

#include "actors/services.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace so::actors {

struct confirmation_spec {
  caf::actor turn;
  caf::actor session;
  std::string tool_name;
  std::chrono::milliseconds timeout{300'000};
};

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_confirmation(caf::actor_system& sys, confirmation_spec spec);

}  // namespace so::actors
