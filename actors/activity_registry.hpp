// actors/activity_registry.hpp — counts live connection, turn, confirmation and
// interaction actors.
//
// Every such actor is tracked here at spawn (it monitors them), so tests can
// prove none outlives its turn, the graceful drain can wait for in-flight turns,
// and shutdown can stop whatever is still live (exiting the registry exits them).
//
// Messages:
//   (track, activity_kind, actor)   start monitoring
//   (get) -> live_counts
//   (await) -> ok                   answered once no turn is live
//
// Counts are kept incrementally: O(log n) per track and per exit (no recount).
#pragma once

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_activity_registry(caf::actor_system& sys);

}  // namespace so::actors
