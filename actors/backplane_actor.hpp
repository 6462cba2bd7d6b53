// actors/backplane_actor.hpp — who hears what (storage-backplane.md §6, decisions.md).
//
// Owns the registry of connection sinks and their target associations
// (Connection, Session, User, Org, Agent). `publish` delivers one serialized
// frame verbatim to every associated connection and answers the local count.
//
// With a message bus it is also the bridge to the other processes (decisions.md
// "Backplane over NATS"; subjects in actors/backplane_subjects.hpp):
// - Interest: the subject of a target is subscribed while at least one local
//   connection is associated with it (every attached connection is associated with
//   its Connection target) and unsubscribed when the last one leaves.
// - Publish: local delivery first (the answered count is local only, §6.6), then
//   exactly one bus message with the same bytes on the target's subject, even when
//   nothing was delivered locally. An org-restricted publish (an admin's) carries
//   its org in the `Smooth-Org` header (bytes outside '!'..'~' and '%' as %XX); the
//   receiving process applies the same restriction, and drops a message whose header
//   does not decode. A bus that cannot carry headers refuses such a publish (never
//   sent unscoped). A publish the bus refuses (outage buffer full, closed) is counted.
// - Inbound: bus handlers run on bus threads and only hand the message to this actor
//   through a bounded hand-off (`max_handoff` messages in flight; at the bound the
//   message is dropped, counted and logged at most once a second). Here: a message
//   for a subject no longer subscribed is ignored; our own echo (origin header ==
//   the bus's origin) is skipped, since it was delivered locally already; a payload
//   above `max_frame_bytes`, not UTF-8 or not a JSON object is dropped, counted per
//   reason and logged (rate-limited); anything else is delivered verbatim.
// - Legacy (`legacy_subject`): every publish also goes out as the reference envelope
//   `{"origin","target":{"Session":"<id>"},"event","smoothCpp":true}` on
//   `smooth-operator.backplane`, and envelopes there without `"smoothCpp":true` (a
//   reference server's, a hand-written publisher's) are delivered locally. Reference
//   servers apply no org restriction (they never did; §6.7 "id routing, not authz").
// Without a bus it is the in-memory backplane of §6.4.
//
// Messages:
//   (attach, conn_id, event_sink_ptr)        register; always reachable as Connection(conn_id)
//   (attach, conn_id, event_sink_ptr, principal_org)  same; a non-empty org is the
//                                            connection's org (its verified principal's)
//   (detach, conn_id)                        drop the sink and every association
//   (associate, conn_id, backplane_target)   idempotent; a connection keeps the
//                                            `max_sessions_per_connection` session targets
//                                            it associated (again) most recently
//   (associate, conn_id, backplane_target, org)  same, and `org` (the session's org,
//                                            given by the caller) becomes one of the
//                                            connection's orgs unless it has a principal org
//   (publish, backplane_target, frame) -> size_t
//   (publish, backplane_target, frame, org) -> size_t   only to connections in `org`
//                                            (decisions.md: an admin reaches only its org)
//   (count) -> size_t                        attached connections
//   (get) -> backplane_stats                 the bridge's counters
//   (bus_event, target, payload, origin, scoped, org), (bus_legacy, payload, origin):
//                                            from the bus handlers only
//
// Thread-safety: an actor; the bus handlers it installs only touch atomics and send.
#pragma once

#include "adapters/backplane/message_bus.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <cstddef>
#include <cstdint>

namespace so::actors {

struct backplane_options {
  /// Also publish and consume the reference envelope on `smooth-operator.backplane`
  /// (SMOOTH_AGENT_NATS_LEGACY_SUBJECT).
  bool legacy_subject = false;
  /// The largest inbound bus event delivered: SMOOTH_AGENT_MAX_FRAME_BYTES, the bound
  /// a WebSocket message has in the other direction (1 MiB, the NATS default payload).
  std::size_t max_frame_bytes = 1 << 20;
  /// Bus messages handed to the actor and not yet handled; more are dropped.
  std::size_t max_handoff = 8192;
  /// Session targets one connection is associated with at most; associating one more
  /// drops the one it associated least recently (README "Limits"). Without it a
  /// socket that creates sessions without end grows the process without end.
  std::size_t max_sessions_per_connection = 4096;
};

/// The bridge's counters (monotonic except `subscriptions`).
struct backplane_stats {
  std::uint64_t bus_received = 0;   ///< bus messages the actor handled (after the hand-off)
  std::uint64_t bus_delivered = 0;  ///< local sink deliveries of bus messages
  std::uint64_t bus_published = 0;  ///< publishes the bus accepted (legacy envelopes included)
  std::uint64_t bus_publish_dropped = 0;  ///< publishes the bus refused
  std::uint64_t echo_skipped = 0;         ///< own-origin (and our legacy envelopes) skipped
  std::uint64_t dropped_handoff = 0;      ///< hand-off full
  std::uint64_t dropped_too_large = 0;
  std::uint64_t dropped_not_utf8 = 0;
  std::uint64_t dropped_not_json_object = 0;  ///< not JSON, or JSON but not an object
  std::uint64_t dropped_bad_envelope = 0;     ///< legacy envelope without a decodable target,
                                              ///< or a malformed org header
  std::uint64_t ignored_unsubscribed = 0;     ///< arrived after its subject was dropped
  std::uint64_t sessions_forgotten = 0;       ///< oldest session associations dropped at the bound
  std::uint64_t subscriptions = 0;            ///< event subjects subscribed now
};

/// Spawns the in-memory backplane (no bus).
caf::actor spawn_backplane(caf::actor_system& sys);

/// Spawns the backplane bridged over `bus` (null: the in-memory backplane).
caf::actor spawn_backplane(caf::actor_system& sys, adapters::backplane::message_bus_ptr bus,
                           backplane_options options);

}  // namespace so::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::backplane_stats)
