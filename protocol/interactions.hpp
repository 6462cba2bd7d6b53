// protocol/interactions.hpp — Rich Interactions as pure functions (later-protocol.md §1).
//
// The kind catalog (identity_intake, choices), the raise-tool argument parsers, the
// per-kind validators, the conversational-fallback texts, the tool-result texts the
// model sees, the `interaction_required` / `interaction_invalid` events, the
// `submit_interaction` ack data and error texts, and the `supports` helpers of
// `create_conversation_session`. Every JSON this file writes orders its keys
// alphabetically, as the reference serializes them.
// Contract: pure functions, no I/O, no shared state; safe from any thread; never
// throw on bad input (bad input is an error value).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::protocol::interactions {

// ---- the catalog (§1.1) ------------------------------------------------------------------

enum class kind { identity_intake, choices };

struct kind_info {
  kind id;
  std::string_view name;        ///< the wire kind, e.g. "identity_intake"
  std::string_view capability;  ///< the `supports` value that gates the card
  std::string_view raise_tool;  ///< the model-facing raise tool
};

/// Catalog order is the order the raise tools are offered in.
inline constexpr kind_info catalog[] = {
    {kind::identity_intake, "identity_intake", "identity_form", "request_identity_intake"},
    {kind::choices, "choices", "choice_chips", "request_choices"},
};

const kind_info& info(kind k);
std::optional<kind> kind_named(std::string_view name);
std::optional<kind> kind_for_raise_tool(std::string_view tool_name);

/// The generic model tool of the conversational fallback (§1.12).
inline constexpr std::string_view submit_tool_name = "submit_interaction";
/// The reason a raise gets when the model gives none usable (§1.4).
inline constexpr std::string_view default_reason = "to help you better";

// ---- model-facing tool specs (§1.4, §1.12) -----------------------------------------------

struct tool_description {
  std::string_view name;
  std::string_view description;
  std::string_view parameters_json;
};
tool_description raise_tool_description(kind k);
tool_description submit_tool_description();

// ---- raise arguments (§1.4) --------------------------------------------------------------

struct raise_request {
  std::string spec_json;  ///< the canonical spec (compact JSON)
  std::string reason;     ///< trimmed; default_reason when missing or blank
};

/// A parsed raise, or the parse error text (the tool result becomes "error: <error>").
struct raise_parse {
  std::optional<raise_request> request;
  std::string error;
};
raise_parse parse_raise(kind k, std::string_view arguments_json);

// ---- validators (§1.10) ------------------------------------------------------------------

struct field_error {
  std::string field;
  std::string message;
};

/// Accepted (canonical values, compact JSON) or rejected (every failing field, never empty).
struct validation {
  std::optional<std::string> canonical_json;
  std::vector<field_error> errors;
  bool ok() const { return canonical_json.has_value(); }
};

/// `spec_json`: the raise's canonical spec; nullopt = format-only mode. `values_json`:
/// the raw submitted values (any JSON; "null" when absent).
validation validate(kind k, const std::optional<std::string>& spec_json,
                    std::string_view values_json);

// ---- tool results the model receives (§1.11, §1.12) --------------------------------------

std::string submitted_result(std::string_view canonical_json);
std::string declined_result();     ///< rich path
std::string no_response_result();  ///< rich path, the park timed out
std::string fallback_result(kind k, std::string_view spec_json, std::string_view reason);
std::string fallback_directive(kind k, std::string_view spec_json, std::string_view reason);
std::string conversational_declined_result();  ///< the generic tool, declined=true
/// "validation failed — <field>: <message>; … Re-ask …" (without the "error: " prefix).
std::string validation_failed_message(const std::vector<field_error>& errors);

/// What the generic `submit_interaction` tool answers (§1.12 "Execution").
struct conversational_submit {
  bool is_error = false;
  std::string text;  ///< full result text ("error: …" when is_error)
  /// Set when an identity_intake submission was accepted: its canonical values (the
  /// caller runs the side effect).
  std::optional<std::string> identity_values_json;
};
/// `stash`: kind name → spec of the latest raise of that kind earlier in the turn.
conversational_submit run_conversational_submit(std::string_view arguments_json,
                                                const std::map<std::string, std::string>& stash);

// ---- events and acks (§1.7, §1.8, §1.9) --------------------------------------------------

std::string interaction_required(std::string_view rid, std::string_view interaction_id, kind k,
                                 std::string_view spec_json, std::string_view reason,
                                 std::int64_t now_ms);
std::string interaction_invalid(std::string_view rid, std::string_view interaction_id, kind k,
                                const std::vector<field_error>& errors, std::int64_t now_ms);
inline constexpr std::string_view invalid_message = "Some fields need attention.";
inline constexpr std::string_view submitted_status = "Interaction submitted";
inline constexpr std::string_view declined_status = "Interaction declined";
std::string submitted_ack_data(std::string_view session_id, std::string_view interaction_id, kind k,
                               std::string_view canonical_json);
std::string declined_ack_data(std::string_view session_id, std::string_view interaction_id);

// ---- submit_interaction errors (§0.4, §1.8) ----------------------------------------------

inline constexpr std::string_view no_pending_interaction = "NO_PENDING_INTERACTION";
inline constexpr std::string_view interaction_mismatch = "INTERACTION_MISMATCH";
inline constexpr std::string_view requires_request_id = "submit_interaction requires a 'requestId'";
inline constexpr std::string_view requires_session_id = "submit_interaction requires a 'sessionId'";
inline constexpr std::string_view requires_values =
    "submit_interaction requires 'values' (or 'declined': true)";
inline constexpr std::string_view id_mismatch_text =
    "the submitted 'interactionId' does not match the pending interaction";
std::string no_pending_text(std::string_view session_id);
std::string no_longer_active_text(std::string_view session_id);
std::string kind_not_hosted_text(std::string_view kind_name);
std::string kind_mismatch_text(std::string_view pending_kind, std::string_view submitted_kind);

// ---- supports (§1.2) and the identity side effect (§1.14) --------------------------------

/// The session-metadata key holding the effective capability list (compact JSON array).
inline constexpr std::string_view supports_key = "supports";
/// The conversation-metadata key that makes the list durable across resumes.
inline constexpr std::string_view client_supports_key = "clientSupports";

/// Session metadata (key → compact JSON) → the capability list (string elements only).
std::vector<std::string> supports_from_metadata(const std::map<std::string, std::string>& metadata);
/// `text` as a JSON string literal (quotes included): a session metadata value.
std::string json_string(std::string_view text);
/// A JSON array (compact text) of `list`.
std::string supports_json(const std::vector<std::string>& list);
/// A conversation's stored `clientSupports` (string elements only); [] when missing or
/// unreadable. For resume by conversationId: the inherited list of an undeclared frame.
std::vector<std::string> client_supports_of(const std::optional<std::string>& metadata_json);
/// A fresh conversation's metadata: the frame's metadata object with `clientSupports`
/// added when `list` is non-empty (a non-object metadata is then discarded); verbatim otherwise.
std::optional<std::string> metadata_with_client_supports(
    const std::optional<std::string>& frame_metadata_json, const std::vector<std::string>& list);
/// Resume with a declared list: `clientSupports` set (non-empty) or removed ([]); other
/// keys kept. A non-object metadata is replaced.
std::string metadata_replacing_client_supports(const std::optional<std::string>& metadata_json,
                                               const std::vector<std::string>& list);
/// Whether a session with capabilities `supports` renders kind `k` as a card.
bool renders(const std::vector<std::string>& supports, kind k);

/// The fields of an accepted identity intake's canonical values (absent ones nullopt).
struct identity_contact {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> phone;
};
identity_contact identity_contact_of(std::string_view canonical_json);

/// Session metadata entries (key → compact JSON string) an accepted identity intake
/// writes: userName ← name, contactEmail ← email, contactPhone ← phone (present ones only).
std::map<std::string, std::string> identity_metadata(std::string_view canonical_json);

}  // namespace so::protocol::interactions
