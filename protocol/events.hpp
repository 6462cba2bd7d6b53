// protocol/events.hpp — builders for every outbound event (protocol.md §4).
//
// Each builder returns the event serialized once, as compact JSON text; callers
// wrap it in a shared frame and fan the same bytes out. Shapes follow the
// reference server's output (which wins over the schemas where they differ):
// optional fields are omitted, never null. Pure; safe from any thread.
#pragma once

#include "protocol/domain.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::protocol::events {

using request_id = std::optional<std::string>;

// ---- payload pieces ------------------------------------------------------------------

/// One `citations[]` entry of `eventual_response` (protocol.md §3.5.5).
struct citation {
  std::string id;
  std::string title;
  std::optional<std::string> url;  ///< only for http(s) sources
  std::string snippet;             ///< already cut to 280 chars + "…"
  float score = 0;                 ///< written as the float widened to double
};

/// Token usage of a turn (decisions.md: `data.data.usage`; later-protocol.md §3.3).
struct usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  /// `costUsd`: only when the gateway's prices of the turn's model are known.
  std::optional<double> cost_usd;
};

// ---- `data` payloads of immediate_response (compact JSON objects) ----------------------

/// `{sessionId, conversationId, agentId, agentName, userParticipantId, agentParticipantId}`.
std::string session_created_data(const session& s);
/// The `get_session` snapshot: the six fields above plus `threadId` and `status`.
std::string session_snapshot_data(const session& s);
/// `{conversationId, messages, nextCursor (string|null), hasMore}`.
std::string message_page_data(std::string_view conversation_id, const std::vector<message>& page,
                              const std::optional<std::string>& next_cursor);
/// `{sessionId, approved}`.
std::string confirm_ack_data(std::string_view session_id, bool approved);

// ---- events -----------------------------------------------------------------------------

std::string pong(const request_id& rid, std::int64_t now_ms);
/// `data_json` must be a compact JSON object.
std::string immediate_response(const request_id& rid, int status, std::string_view message,
                               std::string_view data_json, std::int64_t now_ms);
std::string stream_token(std::string_view rid, std::string_view token, std::int64_t now_ms);
/// Same shape as stream_token, type `stream_reasoning` (decisions.md).
std::string stream_reasoning(std::string_view rid, std::string_view token, std::int64_t now_ms);
/// `stream_chunk` carrying `rawResponse.toolCall`; `arguments_json` is sent as a string.
std::string tool_call_chunk(std::string_view rid, std::string_view tool,
                            std::string_view arguments_json, std::int64_t now_ms);
/// `stream_chunk` carrying `rawResponse.toolResult`; `result` is cut to 500 characters here.
std::string tool_result_chunk(std::string_view rid, std::string_view tool, bool is_error,
                              std::string_view result, std::int64_t now_ms);
/// Same shape as stream_token, type `stream_preamble` (later-protocol.md §4.1).
std::string stream_preamble(std::string_view rid, std::string_view token, std::int64_t now_ms);
/// `suggestions` become `response.suggestedNextActions` (later-protocol.md §3.1; `[]` when none).
std::string eventual_response(std::string_view rid, std::string_view message_id,
                              std::string_view reply, const std::vector<citation>& citations,
                              const std::optional<usage>& usage, std::int64_t now_ms,
                              const std::vector<std::string>& suggestions = {});
/// `actionDescription` = "Tool '<tool>' requires confirmation. Allow?".
std::string write_confirmation_required(std::string_view rid, std::string_view tool,
                                        std::int64_t now_ms);
std::string error(const request_id& rid, std::string_view code, std::string_view message,
                  std::int64_t now_ms);
/// Terminal event of a cancelled turn (status 499).
std::string cancelled(const request_id& rid, std::int64_t now_ms);

}  // namespace so::protocol::events
