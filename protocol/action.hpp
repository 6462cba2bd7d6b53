// protocol/action.hpp — inbound frames as typed actions (protocol.md §2.1, §3, §5).
//
// `parse_action` is the single entry point: one text frame in, one `action` out.
// Validation order, codes and texts follow protocol.md §3.0 and §5 plus
// decisions.md (agentId required, 32,000-character message cap, `cancel`).
// Pure: no I/O, no shared state; safe from any thread.
#pragma once

#include "protocol/json.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace so::protocol {

using request_id = std::optional<std::string>;

// ---- actions -------------------------------------------------------------------------

struct ping_action {
  request_id rid;
};

struct create_session_action {
  request_id rid;
  std::string agent_id;  ///< required, non-blank (decisions.md)
  std::optional<std::string> user_name;
  std::optional<std::string> user_email;
  std::optional<std::string> browser_fingerprint;
  std::optional<std::string> metadata_json;  ///< any JSON value, compact text
  bool has_auth_context = false;             ///< the key was present (even if null)
  std::optional<std::string> auth_context_json;
  /// Rich Interactions (later-protocol.md §1.2): the declared render capabilities
  /// (string elements of a JSON array, in order); nullopt = undeclared.
  std::optional<std::vector<std::string>> supports;
  /// Issue 12 (conversations): resume this conversation; set only for a non-empty string.
  std::optional<std::string> conversation_id;
};

struct get_session_action {
  request_id rid;
  std::string session_id;
};

struct get_messages_action {
  request_id rid;
  std::string session_id;
  std::size_t limit = 50;  ///< positive integer, else 50; no upper cap (reference)
  std::optional<std::string> cursor;
};

// ---- issue 12: send_message extensions (later-protocol.md §6) ----
struct image_attachment {
  std::string url;                    ///< `data:` or `https` (not checked)
  std::optional<std::string> detail;  ///< vision hint, not checked
};
struct file_attachment {
  std::string name;
  std::optional<std::string> mime_type;
  std::string url;
};

struct send_message_action {
  std::string rid;  ///< required
  std::string session_id;
  std::string message;  ///< used as-is (not trimmed)
  // Issue 12 (later-protocol.md §6): optional, fail-soft.
  std::optional<std::string> model;  ///< trimmed; blank or non-string: absent
  std::optional<std::string> skill;  ///< trimmed; blank or non-string: absent
  std::vector<image_attachment> images;
  std::vector<file_attachment> files;
  std::size_t dropped_attachments = 0;  ///< malformed images[]/files[] entries left out
};

struct confirm_tool_action {
  request_id rid;
  std::string session_id;
  bool approved = false;
};

struct cancel_action {
  request_id rid;
  std::optional<std::string> session_id;  ///< advisory
};

// ---- Rich Interactions (later-protocol.md §1.8) --------------------------------------

/// `submit_interaction`: requestId and sessionId are checked while parsing; every
/// other rule needs the parked interaction (actors/connection_actor.cpp).
struct submit_interaction_action {
  std::string rid;  ///< required
  std::string session_id;
  std::optional<std::string> interaction_id;  ///< nullopt when missing or not a string
  std::optional<std::string> kind;            ///< a non-string `kind` is ignored
  bool declined = false;                      ///< only JSON `true` counts
  std::optional<std::string> values_json;     ///< nullopt only when the key is absent
};

// ---- issue 12: conversations (later-protocol.md §2.2, §2.5) ----
struct list_conversations_action {
  request_id rid;
  std::size_t limit = 50;  ///< positive integer, else 50; no upper cap
};

struct rename_conversation_action {
  request_id rid;
  std::string conversation_id;  ///< any string, even empty
  std::string title;            ///< sanitized (conversation_titles.hpp), never empty
};

// ---- issue 12: OTP (later-protocol.md §5.4) ----
/// `verify_otp`: rows 1-3 of §5.4 are checked while parsing (the code is verbatim:
/// an empty string passes).
struct verify_otp_action {
  std::string rid;  ///< required
  std::string session_id;
  std::string code;
};

/// A frame that must be answered with an `error` event (and nothing else).
struct action_error {
  request_id rid;
  std::string_view code;
  std::string message;
};

using action = std::variant<ping_action, create_session_action, get_session_action,
                            get_messages_action, send_message_action, confirm_tool_action,
                            cancel_action, submit_interaction_action, list_conversations_action,
                            rename_conversation_action, verify_otp_action, action_error>;

/// Limits applied while parsing an inbound frame.
struct action_limits {
  json_limits json;
  std::size_t max_message_chars = 32000;  ///< `send_message.message` cap (decisions.md)
};

/// Parses one inbound text frame. Never throws.
action parse_action(std::string_view frame, const action_limits& limits = {});

/// The `action_error` every binary frame produces.
action_error binary_frame_error();

}  // namespace so::protocol
