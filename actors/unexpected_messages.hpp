// actors/unexpected_messages.hpp — what every actor of ours does with a message its
// behavior does not match: log it, count it, and answer a request with CAF's
// `unexpected_message` error (so a requester fails fast instead of waiting out its
// timeout). Never a silent drop: such a message is a bug in the sender.
//
// The count lives in the actor system's config when that is an io_scheduler_config
// (every server; `server::stats().unexpected_messages`); actors spawned on another
// config (some unit tests) only log. Thread-safety: the handler may run on any
// scheduler thread; the counter is atomic.
#pragma once

#include <caf/scheduled_actor.hpp>

#include <cstdint>

namespace so::actors {

/// The default handler for the actor named `actor_name` (a string literal).
caf::scheduled_actor::default_handler log_unexpected(const char* actor_name);

/// Messages dropped so far by actors of `sys` (0 when its config is not ours).
std::uint64_t unexpected_message_count(const caf::actor_system& sys);

}  // namespace so::actors
