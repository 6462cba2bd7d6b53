// protocol/error_codes.hpp — every `error.code` the server emits and the fixed texts.
#pragma once

#include <string_view>

namespace so::protocol::codes {

inline constexpr std::string_view validation_error = "VALIDATION_ERROR";
inline constexpr std::string_view unsupported_action = "UNSUPPORTED_ACTION";
inline constexpr std::string_view session_not_found = "SESSION_NOT_FOUND";
inline constexpr std::string_view llm_unavailable = "LLM_UNAVAILABLE";
inline constexpr std::string_view agent_error = "AGENT_ERROR";
inline constexpr std::string_view internal_error = "INTERNAL_ERROR";
inline constexpr std::string_view storage_error = "STORAGE_ERROR";
inline constexpr std::string_view no_pending_confirmation = "NO_PENDING_CONFIRMATION";
inline constexpr std::string_view turn_in_progress = "TURN_IN_PROGRESS";
inline constexpr std::string_view agent_not_authorized = "AGENT_NOT_AUTHORIZED";
inline constexpr std::string_view origin_not_allowed = "ORIGIN_NOT_ALLOWED";
inline constexpr std::string_view auth_context_invalid = "AUTH_CONTEXT_INVALID";
// Runtime limits (issue 7; README's configuration table names the variable behind each).
/// A connection sent more than SMOOTH_AGENT_MAX_FRAMES_PER_SEC frames in one second.
inline constexpr std::string_view rate_limited = "RATE_LIMITED";
/// The storage queue is full (SMOOTH_AGENT_STORAGE_QUEUE): refused at once, never queued.
inline constexpr std::string_view storage_busy = "STORAGE_BUSY";
/// A storage job was not started before its deadline (SMOOTH_AGENT_STORAGE_TIMEOUT_MS).
inline constexpr std::string_view storage_timeout = "STORAGE_TIMEOUT";
/// The server is draining (SIGTERM): no new turn starts.
inline constexpr std::string_view server_draining = "SERVER_DRAINING";
// Issue 12: conversations and send_message extensions (later-protocol.md §0.4).
inline constexpr std::string_view conversation_not_found = "CONVERSATION_NOT_FOUND";
inline constexpr std::string_view skill_not_found = "SKILL_NOT_FOUND";

}  // namespace so::protocol::codes

namespace so::protocol::texts {

inline constexpr std::string_view binary_frame =
    "binary frames are not supported; send JSON text frames";
inline constexpr std::string_view missing_action = "missing 'action' field";
inline constexpr std::string_view missing_session_id = "missing 'sessionId'";
inline constexpr std::string_view missing_agent_id = "missing 'agentId'";
inline constexpr std::string_view send_requires_request_id = "send_message requires a 'requestId'";
inline constexpr std::string_view missing_message = "missing or empty 'message'";
inline constexpr std::string_view confirm_requires_session = "confirm_tool_action requires a 'sessionId'";
inline constexpr std::string_view confirm_requires_bool = "confirm_tool_action requires a boolean 'approved'";
inline constexpr std::string_view llm_unavailable =
    "No LLM gateway key is available for this turn (SMOOAI_GATEWAY_KEY is unset and no per-org "
    "key resolved); this server cannot serve LLM turns. Configure the gateway key to enable "
    "send_message.";
inline constexpr std::string_view turn_in_progress =
    "a turn is already in progress on this connection; cancel it or wait for it to complete";
inline constexpr std::string_view server_draining =
    "the server is shutting down and starts no new turns; reconnect and retry";
// Widget embed policy (admin-auth.md §4.4, protocol.md §3.2.2).
inline constexpr std::string_view agent_not_authorized =
    "this agent is not registered for embedding";
inline constexpr std::string_view origin_not_allowed =
    "this origin is not allowed to embed this agent";
inline constexpr std::string_view auth_context_invalid =
    "authContext signature failed verification";

}  // namespace so::protocol::texts
