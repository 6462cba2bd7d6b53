// protocol/event_reader.cpp — see event_reader.hpp.
#include "protocol/event_reader.hpp"

#include "protocol/json.hpp"

namespace so::protocol {
namespace {

const rapidjson::Value* object_member(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return nullptr;
  const auto* m = get_member(v, key);
  return m && m->IsObject() ? m : nullptr;
}

std::string string_or_empty(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return {};
  return get_string(v, key).value_or(std::string());
}

void read_chunk(const rapidjson::Value& data, event_view& e) {
  const auto* state = object_member(data, "state");
  const auto* raw = state ? object_member(*state, "rawResponse") : nullptr;
  if (!raw) return;
  if (const auto* call = object_member(*raw, "toolCall")) {
    e.tool_call_arguments = string_or_empty(*call, "arguments");
  }
  if (const auto* result = object_member(*raw, "toolResult")) {
    e.tool_result = string_or_empty(*result, "result");
    e.tool_result_is_error = get_bool(*result, "isError").value_or(false);
  }
}

void read_messages(const rapidjson::Value& data, event_view& e) {
  const auto* list = get_member(data, "messages");
  if (!list || !list->IsArray()) return;
  for (const auto& m : list->GetArray()) {
    history_message h;
    h.direction = string_or_empty(m, "direction");
    h.created_at = string_or_empty(m, "createdAt");
    if (const auto* content = object_member(m, "content"))
      h.text = string_or_empty(*content, "text");
    e.messages.push_back(std::move(h));
  }
  e.next_cursor = get_string(data, "nextCursor");
}

void read_eventual(const rapidjson::Value& data, event_view& e) {
  const auto* inner = object_member(data, "data");
  if (!inner) return;
  if (const auto* response = object_member(*inner, "response")) {
    const auto* parts = get_member(*response, "responseParts");
    if (parts && parts->IsArray())
      for (const auto& p : parts->GetArray())
        if (p.IsString()) e.reply.append(p.GetString(), p.GetStringLength());
  }
  const auto* cites = get_member(*inner, "citations");
  if (!cites || !cites->IsArray()) return;
  for (const auto& c : cites->GetArray()) {
    if (!c.IsObject()) continue;
    e.citations.push_back({string_or_empty(c, "title"), get_string(c, "url")});
  }
}

}  // namespace

event_view read_event(std::string_view frame) {
  event_view e;
  rapidjson::Document doc;
  auto parsed = parse_untrusted(doc, frame);
  if (!parsed.ok) {
    e.parse_error = parsed.error;
    return e;
  }
  if (!doc.IsObject()) {
    e.parse_error = "not a JSON object";
    return e;
  }
  e.ok = true;
  e.type = string_or_empty(doc, "type");
  e.request_id = get_string(doc, "requestId");
  if (const auto* s = get_member(doc, "status"); s && s->IsInt()) e.status = s->GetInt();
  e.message = string_or_empty(doc, "message");
  e.token = string_or_empty(doc, "token");
  e.node = string_or_empty(doc, "node");
  if (const auto* err = object_member(doc, "error")) {
    e.error_code = string_or_empty(*err, "code");
    e.error_message = string_or_empty(*err, "message");
  }
  const auto* data = object_member(doc, "data");
  if (!data) return e;
  if (e.type == "stream_chunk") {
    read_chunk(*data, e);
  } else if (e.type == "write_confirmation_required") {
    if (const auto* inner = object_member(*data, "data")) {
      e.tool_id = string_or_empty(*inner, "toolId");
      e.action_description = string_or_empty(*inner, "actionDescription");
    }
  } else if (e.type == "eventual_response") {
    read_eventual(*data, e);
  } else if (e.type == "immediate_response") {
    e.session_id = string_or_empty(*data, "sessionId");
    e.conversation_id = string_or_empty(*data, "conversationId");
    read_messages(*data, e);
  }
  return e;
}

}  // namespace so::protocol
