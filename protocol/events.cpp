// protocol/events.cpp — serializers for every outbound event (protocol.md §4).
//
// Contract: pure functions returning compact JSON text; safe from any thread.
// Optional fields are omitted, never null (the one exception is `nextCursor`).
#include "protocol/events.hpp"

#include "protocol/number_text.hpp"
#include "protocol/utf8.hpp"

namespace so::protocol::events {
namespace {

// Tool results are cut to this many code points on the wire (protocol.md §3.5.4).
constexpr std::size_t kToolResultChars = 500;
constexpr int kCancelledStatus = 499;

// Builds one event: owns the buffer and writer, hands back the text.
class event_writer {
 public:
  /// `capacity`: the buffer's first allocation. RapidJSON's own 256 bytes grew a created
  /// session's reply three times (a realloc each, 5 % of a create: docs/benchmarks.md); the
  /// default stays within glibc's per-thread cache (≤ 1032 bytes).
  explicit event_writer(std::size_t capacity = 1000) : sb_(nullptr, capacity), w_(sb_) {}
  json_writer& w() { return w_; }

  void field(std::string_view key, std::string_view value) {
    write_key(w_, key);
    write_string(w_, value);
  }
  void opt_field(std::string_view key, const request_id& value) {
    if (value) field(key, *value);
  }
  void int_field(std::string_view key, std::int64_t value) {
    write_key(w_, key);
    w_.Int64(value);
  }
  void bool_field(std::string_view key, bool value) {
    write_key(w_, key);
    w_.Bool(value);
  }
  void open(std::string_view key) {
    write_key(w_, key);
    w_.StartObject();
  }
  std::string finish() { return std::string(sb_.GetString(), sb_.GetSize()); }

 private:
  rapidjson::StringBuffer sb_;
  json_writer w_;
};

void write_six_session_fields(event_writer& e, const session& s) {
  e.field("sessionId", s.session_id);
  e.field("conversationId", s.conversation_id);
  e.field("agentId", s.agent_id);
  e.field("agentName", s.agent_name);
  e.field("userParticipantId", s.user_participant_id);
  e.field("agentParticipantId", s.agent_participant_id);
}

// stream_token and stream_reasoning share one shape (decisions.md).
std::string token_event(std::string_view type, std::string_view rid, std::string_view token,
                        std::int64_t now_ms) {
  event_writer e;
  e.w().StartObject();
  e.field("type", type);
  e.field("requestId", rid);
  e.field("token", token);
  e.open("data");
  e.field("requestId", rid);
  e.field("token", token);
  e.w().EndObject();
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

// stream_chunk: `node` at top and in data; `payload` writes the rawResponse object's members.
template <class Payload>
std::string chunk_event(std::string_view rid, std::string_view node, std::int64_t now_ms,
                        Payload&& payload) {
  event_writer e;
  e.w().StartObject();
  e.field("type", "stream_chunk");
  e.field("requestId", rid);
  e.field("node", node);
  e.open("data");
  e.field("requestId", rid);
  e.field("node", node);
  e.open("state");
  e.open("rawResponse");
  payload(e);
  e.w().EndObject();  // rawResponse
  e.w().EndObject();  // state
  e.w().EndObject();  // data
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

void write_citation(event_writer& e, const citation& c) {
  e.w().StartObject();
  e.field("id", c.id);
  e.field("title", c.title);
  if (c.url) e.field("url", *c.url);
  e.field("snippet", c.snippet);
  write_key(e.w(), "score");
  // The reference serializes the f32 widened to f64, shortest round-trip
  // (0.91f -> 0.9100000262260437); a non-finite score becomes null, as in serde.
  write_double(e.w(), static_cast<double>(c.score));
  e.w().EndObject();
}

// The "general agent response" with its fixed neutral defaults (engine.md §1.14).
void write_general_response(event_writer& e, std::string_view reply,
                            const std::vector<std::string>& suggestions) {
  e.open("response");
  write_key(e.w(), "responseParts");
  e.w().StartArray();
  write_string(e.w(), reply);
  e.w().EndArray();
  write_key(e.w(), "customerHappinessScore");
  e.w().Double(0.5);
  write_key(e.w(), "needsSatisfactionScore");
  e.w().Double(0.5);
  e.field("requestSummary", "");
  e.field("resolutionStatus", "in_progress");
  write_key(e.w(), "suggestedNextActions");
  e.w().StartArray();
  for (const auto& s : suggestions) write_string(e.w(), s);
  e.w().EndArray();
  e.w().EndObject();
}

void write_error_descriptor(event_writer& e, std::string_view code, std::string_view message) {
  e.open("error");
  e.field("code", code);
  e.field("message", message);
  e.w().EndObject();
}

}  // namespace

// ---- data payloads ----------------------------------------------------------------------

std::string session_created_data(const session& s) {
  event_writer e;
  e.w().StartObject();
  write_six_session_fields(e, s);
  e.w().EndObject();
  return e.finish();
}

std::string session_snapshot_data(const session& s) {
  event_writer e;
  e.w().StartObject();
  write_six_session_fields(e, s);
  e.field("threadId", s.thread_id);
  e.field("status", s.status.value_or("active"));
  e.w().EndObject();
  return e.finish();
}

std::string message_page_data(std::string_view conversation_id, const std::vector<message>& page,
                              const std::optional<std::string>& next_cursor) {
  event_writer e;
  e.w().StartObject();
  e.field("conversationId", conversation_id);
  write_key(e.w(), "messages");
  e.w().StartArray();
  for (const message& m : page) write_json(e.w(), m);
  e.w().EndArray();
  // The one field sent as an explicit null (protocol.md §3.4).
  write_key(e.w(), "nextCursor");
  if (next_cursor) {
    write_string(e.w(), *next_cursor);
  } else {
    e.w().Null();
  }
  e.bool_field("hasMore", next_cursor.has_value());
  e.w().EndObject();
  return e.finish();
}

std::string confirm_ack_data(std::string_view session_id, bool approved) {
  event_writer e;
  e.w().StartObject();
  e.field("sessionId", session_id);
  e.bool_field("approved", approved);
  e.w().EndObject();
  return e.finish();
}

// ---- events -----------------------------------------------------------------------------

std::string pong(const request_id& rid, std::int64_t now_ms) {
  event_writer e;
  e.w().StartObject();
  e.field("type", "pong");
  e.opt_field("requestId", rid);
  e.int_field("timestamp", now_ms);
  e.open("data");
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  e.w().EndObject();
  return e.finish();
}

std::string immediate_response(const request_id& rid, int status, std::string_view message,
                               std::string_view data_json, std::int64_t now_ms) {
  // The envelope's own keys and numbers take under 128 bytes (escapes may still grow it).
  event_writer e(data_json.size() + message.size() + (rid ? rid->size() : 0) + 128);
  e.w().StartObject();
  e.field("type", "immediate_response");
  e.opt_field("requestId", rid);
  e.int_field("status", status);
  e.field("message", message);
  write_key(e.w(), "data");
  // `data` is required by the schema; an empty payload stands for `{}`.
  write_raw(e.w(), data_json.empty() ? std::string_view("{}") : data_json, rapidjson::kObjectType);
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

std::string stream_token(std::string_view rid, std::string_view token, std::int64_t now_ms) {
  return token_event("stream_token", rid, token, now_ms);
}

std::string stream_reasoning(std::string_view rid, std::string_view token, std::int64_t now_ms) {
  return token_event("stream_reasoning", rid, token, now_ms);
}

std::string tool_call_chunk(std::string_view rid, std::string_view tool,
                            std::string_view arguments_json, std::int64_t now_ms) {
  return chunk_event(rid, tool, now_ms, [&](event_writer& e) {
    e.open("toolCall");
    e.field("name", tool);
    e.field("arguments", arguments_json);  // a JSON *string* holding the arguments text
    e.w().EndObject();
  });
}

std::string tool_result_chunk(std::string_view rid, std::string_view tool, bool is_error,
                              std::string_view result, std::int64_t now_ms) {
  return chunk_event(rid, tool, now_ms, [&](event_writer& e) {
    e.open("toolResult");
    e.field("name", tool);
    e.bool_field("isError", is_error);
    e.field("result", utf8_prefix(result, kToolResultChars));
    e.w().EndObject();
  });
}

std::string stream_preamble(std::string_view rid, std::string_view token, std::int64_t now_ms) {
  return token_event("stream_preamble", rid, token, now_ms);
}

std::string eventual_response(std::string_view rid, std::string_view message_id,
                              std::string_view reply, const std::vector<citation>& citations,
                              const std::optional<usage>& usage, std::int64_t now_ms,
                              const std::vector<std::string>& suggestions) {
  event_writer e;
  e.w().StartObject();
  e.field("type", "eventual_response");
  e.field("requestId", rid);
  e.int_field("status", 200);
  e.open("data");
  e.field("requestId", rid);
  e.int_field("status", 200);
  e.open("data");
  e.field("messageId", message_id);
  write_general_response(e, reply, suggestions);
  e.bool_field("needsEscalation", false);
  if (!citations.empty()) {
    write_key(e.w(), "citations");
    e.w().StartArray();
    for (const citation& c : citations) write_citation(e, c);
    e.w().EndArray();
  }
  if (usage) {
    e.open("usage");
    if (usage->cost_usd) {
      write_key(e.w(), "costUsd");
      write_double(e.w(), *usage->cost_usd);
    }
    write_key(e.w(), "promptTokens");
    e.w().Uint64(usage->prompt_tokens);
    write_key(e.w(), "completionTokens");
    e.w().Uint64(usage->completion_tokens);
    e.w().EndObject();
  }
  e.w().EndObject();  // data.data
  e.w().EndObject();  // data
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

std::string write_confirmation_required(std::string_view rid, std::string_view tool,
                                        std::int64_t now_ms) {
  event_writer e;
  e.w().StartObject();
  e.field("type", "write_confirmation_required");
  e.field("requestId", rid);
  e.open("data");
  e.field("requestId", rid);
  e.open("data");
  e.field("toolId", tool);
  std::string description = "Tool '";
  description.append(tool);
  description.append("' requires confirmation. Allow?");
  e.field("actionDescription", description);
  e.w().EndObject();
  e.w().EndObject();
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

std::string error(const request_id& rid, std::string_view code, std::string_view message,
                  std::int64_t now_ms) {
  event_writer e;
  e.w().StartObject();
  e.field("type", "error");
  e.opt_field("requestId", rid);
  // Both copies are load-bearing: some clients read `error`, others `data.error`.
  write_error_descriptor(e, code, message);
  e.open("data");
  e.opt_field("requestId", rid);
  write_error_descriptor(e, code, message);
  e.w().EndObject();
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

std::string cancelled(const request_id& rid, std::int64_t now_ms) {
  event_writer e;
  e.w().StartObject();
  e.field("type", "cancelled");
  e.opt_field("requestId", rid);
  e.int_field("status", kCancelledStatus);
  e.open("data");
  e.opt_field("requestId", rid);
  e.int_field("status", kCancelledStatus);
  e.w().EndObject();
  e.int_field("timestamp", now_ms);
  e.w().EndObject();
  return e.finish();
}

}  // namespace so::protocol::events
