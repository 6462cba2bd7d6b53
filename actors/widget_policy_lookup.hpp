// actors/widget_policy_lookup.hpp — turns the asynchronous embed-policy provider
// (adapters/auth/widget_policy_provider.hpp) into an actor request, so a connection can
// `await` a policy like any other answer: its mailbox is suspended meanwhile, so the
// connection's next frame never overtakes the create waiting for its policy.
//
// One per server (a root actor, exited at shutdown). It never blocks: it starts the
// lookup and keeps the caller's response promise; the provider's callback (on an I/O
// thread) sends the answer back here with `anon_send`, and the promise is delivered from
// this actor's own turn. Pending promises: at most one per connection (each connection
// awaits one lookup at a time), and each leaves within the provider's own timeout (5 s
// for HTTP), so the table is bounded by SMOOTH_AGENT_MAX_CONNECTIONS.
//
// Messages:
//   (lookup, agent_id) -> widget_policy_reply
#pragma once

#include "adapters/auth/widget_policy_provider.hpp"

#include <caf/all.hpp>

namespace so::actors {

using widget_policy_atom = caf::atom_constant<caf::atom("wpolicy")>;

/// The answer to `(lookup, agent_id)`.
struct widget_policy_reply {
  adapters::auth::widget_lookup policy;
};

/// Spawns the actor over `provider` (never null).
caf::actor spawn_widget_policy_lookup(caf::actor_system& sys,
                                      adapters::auth::widget_policy_provider_ptr provider);

}  // namespace so::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::widget_policy_reply)
