// actors/backplane_actor.hpp — who hears what (storage-backplane.md §6, decisions.md).
//
// Owns the registry of connection sinks and their target associations
// (Connection, Session, User, Org, Agent). `publish` delivers one serialized
// frame verbatim to every associated connection and answers the local count.
// In-memory only for now; the NATS bridge (interest-based subjects) arrives
// with a later issue and will sit behind the same messages.
//
// Messages:
//   (attach, conn_id, event_sink_ptr)        register; always reachable as Connection(conn_id)
//   (attach, conn_id, event_sink_ptr, principal_org)  same; a non-empty org is the
//                                            connection's org (its verified principal's)
//   (detach, conn_id)                        drop the sink and every association
//   (associate, conn_id, backplane_target)   idempotent
//   (associate, conn_id, backplane_target, org)  same, and `org` (the session's org,
//                                            given by the caller) becomes one of the
//                                            connection's orgs unless it has a principal org
//   (publish, backplane_target, frame) -> size_t
//   (publish, backplane_target, frame, org) -> size_t   only to connections in `org`
//                                            (decisions.md: an admin reaches only its org)
//   (count) -> size_t                        attached connections
#pragma once

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_backplane(caf::actor_system& sys);

}  // namespace so::actors
