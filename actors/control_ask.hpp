// actors/control_ask.hpp — one request to another process's session control subject,
// awaitable by an actor (actors/turn_control.hpp has the wire format).
//
// A connection that must wait for the owner's answer before it serves its next frame
// (protocol.md §1.5: replies leave in request order) `await`s `(run) -> bool` on a
// short-lived actor spawned here: it sends the bus request and answers true only for a
// `{"ok":true}` reply; no responders, a timeout (control_request_timeout), a failed send
// or any other reply answer false. Then it quits: it lives at most about the timeout.
//
// `on_ok` (optional) runs on the bus thread that delivers a positive reply, BEFORE the
// answer is handed on: the caller's last chance to act ahead of every later message
// of the same publisher (the confirm ack, connection_actor.cpp). It must not block.
// Thread-safety: spawn from any actor; the actor handles one `run`.
#pragma once

#include "adapters/backplane/message_bus.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace so::actors {

caf::actor spawn_control_ask(caf::actor_system& sys, adapters::backplane::message_bus_ptr bus,
                             std::string session_id, std::string payload,
                             std::function<void()> on_ok = {});

}  // namespace so::actors
