// actors/messages.hpp — every atom and message the actors exchange.
//
// One header so the protocol between actors reads like a table of contents.
// All messages are local-only (never serialized): the types that carry
// functions or shared pointers are declared CAF_ALLOW_UNSAFE_MESSAGE_TYPE.
#pragma once

#include "actors/connection_scope.hpp"
#include "adapters/auth/principal.hpp"
#include "adapters/backplane/message_bus.hpp"
#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/llm/llm_types.hpp"
#include "adapters/storage/storage.hpp"
#include "adapters/tools/tool.hpp"
#include "net/event_sink.hpp"
#include "protocol/domain.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::actors {

// ---- atoms (CAF 0.17: at most 10 characters) ------------------------------------------

// connection (fed by the socket layer)
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using binary_atom = caf::atom_constant<caf::atom("binary")>;
using rate_limited_atom = caf::atom_constant<caf::atom("ratelimit")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
/// Also to the directory and its sessions at shutdown: refuse new turns from now on.
using drain_atom = caf::atom_constant<caf::atom("drain")>;
// storage pool workers (actors/storage_pool.hpp)
using run_atom = caf::atom_constant<caf::atom("run")>;
// session directory and sessions
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using start_atom = caf::atom_constant<caf::atom("startturn")>;
using turn_end_atom = caf::atom_constant<caf::atom("turnend")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using park_atom = caf::atom_constant<caf::atom("park")>;
using take_atom = caf::atom_constant<caf::atom("take")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
// turns and confirmations
using verdict_atom = caf::atom_constant<caf::atom("verdict")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using begin_atom = caf::atom_constant<caf::atom("begin")>;
/// From a turn to its session: the turn won the session's turn lease in storage.
using claimed_atom = caf::atom_constant<caf::atom("claimed")>;
// turn control across processes (actors/turn_control.hpp): a request of the session's
// control subject, handed from the bus thread to the session actor
using control_atom = caf::atom_constant<caf::atom("control")>;
// backplane
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using associate_atom = caf::atom_constant<caf::atom("associate")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
// backplane, from its own bus handlers only
using bus_event_atom = caf::atom_constant<caf::atom("busevent")>;
using bus_legacy_atom = caf::atom_constant<caf::atom("buslegacy")>;
// activity registry
using track_atom = caf::atom_constant<caf::atom("track")>;
using await_atom = caf::atom_constant<caf::atom("await")>;
// Rich Interactions (actors/interaction_actor.hpp)
using interact_atom = caf::atom_constant<caf::atom("interact")>;
using stamp_atom = caf::atom_constant<caf::atom("stamp")>;
using record_atom = caf::atom_constant<caf::atom("record")>;

// ---- connection identity ------------------------------------------------------------------

/// Who is on the other end of one WebSocket (protocol.md §1.2).
struct connection_identity {
  std::string connection_id;  ///< UUID v4
  std::optional<std::string> origin;
  /// Access context for knowledge retrieval (anonymous unless a token verified).
  adapters::access_context access;
  /// Org from a verified `?token=` (none when anonymous): the second choice of a new
  /// session's org (adapters/auth/session_org.hpp).
  std::optional<std::string> principal_org;
  /// The verified `?token=` principal (admin-auth.md §1.9); nullopt = anonymous.
  std::optional<adapters::auth::principal> principal;
  /// Which conversations this connection may reach (admin-auth.md §9).
  connection_scope scope;
};

// ---- sessions -----------------------------------------------------------------------------

/// Reply to `lookup`: a live session actor, or a null actor when unknown.
struct session_ref {
  caf::actor actor;
  protocol::session snapshot;
};

/// What a connection hands a session to start a turn.
struct turn_request {
  std::string request_id;
  std::string message;
  net::event_sink_ptr sink;
  adapters::access_context access;
  std::string connection_id;
  /// The gateway key resolved for the conversation's org (admin-auth.md §5.1);
  /// nullopt when none was resolved (a test-injected LLM needs none). Never logged.
  std::optional<std::string> gateway_key;
  // ---- issue 12: send_message extensions (later-protocol.md §6) ----
  // Default member initializers keep the existing brace-initializations warning-free.
  std::optional<std::string> model = std::nullopt;              ///< an allowed per-turn model
  std::optional<std::string> skill_section = std::nullopt;      ///< this turn's system prompt
  std::vector<adapters::llm::image_part> images = {};           ///< this turn's user message only
  std::vector<adapters::tools::tool_context::file> files = {};  ///< host tools only
};

/// Reply to `startturn`. Only `started` spawned a turn (then `turn` is it).
enum class admission { started, busy, draining };

struct turn_admission {
  admission outcome = admission::busy;
  /// The turn that was started: the only one its connection may cancel.
  caf::actor turn;
};

/// Reply to `take`: the pending confirmation actor, or null when nothing waits.
struct pending_confirmation {
  caf::actor confirmation;
};

/// How a parked tool call was decided (engine.md §5.5).
enum class verdict_kind { approved, denied, timed_out };

struct confirmation_verdict {
  verdict_kind kind = verdict_kind::denied;
  /// The confirming connection: the turn continues there if its own socket is gone.
  /// For a confirmer on another process, a remote_sink (actors/remote_sink.hpp).
  net::event_sink_ptr confirmer;
  /// That connection's id: once the turn continues there, the one connection whose
  /// `cancel` reaches the turn (besides none: the starter's socket is gone).
  std::string confirmer_connection_id;
};

// ---- Rich Interactions (later-protocol.md §1; actors/interaction_actor.hpp) --------------

/// A parked interaction as the session registers it, and the reply to
/// `(interact)`: null `actor` when nothing is parked.
struct pending_interaction {
  caf::actor actor;
  std::string interaction_id;
  std::string kind;       ///< the wire kind (protocol/interactions.hpp)
  std::string spec_json;  ///< the canonical spec the validator checks against
};

enum class interaction_resolution { submitted, declined, no_response };

/// How a park ended: from a submitter to the interaction actor, then to the turn.
struct interaction_outcome {
  std::string interaction_id;  ///< a foreign id neither resolves nor extends a park
  interaction_resolution resolution = interaction_resolution::no_response;
  std::string values_json;  ///< the canonical values when submitted
  /// The submitting connection: the turn continues there if its own socket is gone.
  net::event_sink_ptr submitter;
  std::string submitter_connection_id;
};

// ---- turns ----------------------------------------------------------------------------------

/// One LLM stream event, tagged with the call it belongs to (stragglers of a
/// cancelled call are ignored).
struct llm_event {
  std::uint64_t call_id = 0;
  adapters::llm::stream_event event;
};

/// The LLM stream events of one read (adapters/llm/llm_provider.hpp `stream_batches`),
/// tagged like llm_event: one message per read instead of one per token.
struct llm_events {
  std::uint64_t call_id = 0;
  adapters::llm::stream_batch events;
};

/// A tool finished.
struct tool_finished {
  std::uint64_t call_id = 0;
  adapters::tools::tool_outcome outcome;
};

// ---- backplane -------------------------------------------------------------------------

enum class target_kind { connection, session, user, org, agent };

/// A target kind's spellings: in `/admin/publish` ("connection"), in event subjects
/// ("conn", backplane_subjects.hpp) and in the reference envelope ("Connection", §6.2).
/// One table, so the three can never disagree.
struct target_kind_names {
  target_kind kind;
  std::string_view admin, subject, legacy;
};
inline constexpr target_kind_names target_kind_table[] = {
    {target_kind::connection, "connection", "conn", "Connection"},
    {target_kind::session, "session", "session", "Session"},
    {target_kind::user, "user", "user", "User"},
    {target_kind::org, "org", "org", "Org"},
    {target_kind::agent, "agent", "agent", "Agent"},
};
inline const target_kind_names& names_of(target_kind kind) {
  return target_kind_table[static_cast<std::size_t>(kind)];
}
/// The kind whose `field` spelling is `text` (case-sensitive), if any.
inline std::optional<target_kind> target_kind_named(std::string_view text,
                                                    std::string_view target_kind_names::*field) {
  for (const auto& n : target_kind_table)
    if (n.*field == text) return n.kind;
  return std::nullopt;
}

struct backplane_target {
  target_kind kind = target_kind::connection;
  std::string id;
  friend bool operator<(const backplane_target& a, const backplane_target& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
  }
  friend bool operator==(const backplane_target& a, const backplane_target& b) {
    return a.kind == b.kind && a.id == b.id;
  }
};

// ---- activity registry ------------------------------------------------------------------

enum class activity_kind { turn, confirmation, connection, interaction, preamble };

struct live_counts {
  std::size_t turns = 0;
  std::size_t confirmations = 0;
  std::size_t connections = 0;
  std::size_t interactions = 0;  ///< parked Rich Interactions
  std::size_t preambles = 0;     ///< stream_preamble side calls (actors/preamble_actor.hpp)
};

}  // namespace so::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::connection_identity)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::session_ref)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::turn_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::turn_admission)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::pending_confirmation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::confirmation_verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::pending_interaction)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::interaction_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::llm_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::llm_events)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::tool_finished)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::backplane_target)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::activity_kind)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::actors::live_counts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::adapters::backplane::bus_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::net::frame)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::net::event_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(so::protocol::session)
