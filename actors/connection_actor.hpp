// actors/connection_actor.hpp — one WebSocket client connection.
//
// Parses each inbound frame (protocol/action.hpp) and serves the action. It
// never blocks: session lookups and storage go through other actors with
// `await`, which suspends only this connection's mailbox, so replies leave in
// request order (protocol.md §1.5) while the turn it started streams on its own.
// It owns the connection's identity and outbound sink; on close it detaches
// from the backplane and quits (a running turn is not cancelled: decisions.md).
// `cancel` reaches only the turn this connection carries: the one it started, or one it
// confirmed whose rest came to it (sessionId is advisory). With a message bus
// (services::bus), `confirm_tool_action` that finds nothing parked in this process asks
// the session's owner process, and `cancel` of a turn confirmed there goes there too
// (actors/turn_control.hpp).
// `create_conversation_session` first passes the widget embed policy (admin-auth.md §4.4);
// an asynchronous policy lookup is awaited like a storage call, so later frames wait.
// Identity (docs/tenancy.md): a verified principal's access context filters every
// retrieval of its turns, its org is the second choice of a new session's org, and it
// is associated with its User and Org backplane targets at start. Every action that
// resolves a sessionId first checks the connection's scope (connection_scope.hpp): a
// conversation out of scope answers exactly like a missing one and is not associated.
// `send_message` resolves the gateway key of the session's org before the 202.
//
// Messages (from the socket layer, see connection_bridge.hpp):
//   (frame, text)   (binary)   (rate_limited, max_per_sec)   (closed)
// Each frame's inbound credit goes back to the sink when its handler has run.
#pragma once

#include "actors/messages.hpp"
#include "actors/services.hpp"

#include <caf/fwd.hpp>

namespace so::actors {

/// Spawns the actor (its state stays private to the .cpp).
caf::actor spawn_connection(caf::actor_system& sys, services_ptr svc, connection_identity identity,
                            net::event_sink_ptr sink);

}  // namespace so::actors
