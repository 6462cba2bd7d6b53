// actors/connection_bridge.hpp — glue from the socket layer to connection actors.
//
// `make_connection_factory` returns the net::connection_factory the listener
// calls on every `/ws` upgrade: it turns what the upgrade verified (principal, auth
// mode) into the connection's identity — access context, principal org, read scope
// (admin-auth.md §1.9, §9) — and returns an inbound_handler that spawns the
// connection's actor (with its first frame when anonymous: an idle anonymous
// connection costs no actor; at once when verified, for its User/Org targets) and
// forwards what the socket reads as messages. Forwarding
// is `anon_send` only, so the I/O thread never waits on an actor; the actor gives
// each frame's inbound credit back through its sink once it has handled it
// (net/event_sink.hpp), so frames waiting in its mailbox count as in flight. Destroying
// the handler without `on_closed` still tells the actor (no actor outlives its
// socket). Thread-safety: as net::inbound_handler (I/O thread only).
#pragma once

#include "actors/services.hpp"
#include "net/connection_handler.hpp"

namespace caf {
class actor_system;
}

namespace so::actors {

net::connection_factory make_connection_factory(caf::actor_system& sys, services_ptr svc);

}  // namespace so::actors
