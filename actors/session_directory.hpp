// actors/session_directory.hpp — sessionId → session actor, for the whole process.
//
// Resolves session ids for every connection (a new session is only persisted by
// its connection, adapters/storage/new_session.hpp: it gets its actor here on first
// use, like a session created by another process). A miss falls back to storage (decisions.md: any
// process sharing the storage can serve any session) and spawns the session actor; two concurrent
// lookups of the same id share one hydration. Session actors quit when idle and are re-hydrated on
// demand; the directory forgets them on down (O(log n) through a reverse index). A caller that
// finds the actor it was handed already dead (it went idle before the down_msg arrived here) looks
// up again naming the dead actor, which is dropped and replaced at once. At shutdown `drain` makes
// every live and every later session refuse new turns.
//
// Messages:
//   (lookup, session_id) -> session_ref          (null actor when unknown)
//   (lookup, session_id, dead actor_addr) -> session_ref   retry after a dead actor
//   (drain) -> ok                                once every live session refuses turns
//   (count) -> size_t                            live session actors
#pragma once

#include "actors/services.hpp"

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_session_directory(caf::actor_system& sys, services_ptr svc);

}  // namespace so::actors
