// protocol/conversation_events.cpp — see conversation_events.hpp.
#include "protocol/conversation_events.hpp"

#include "protocol/domain.hpp"
#include "protocol/json.hpp"

namespace so::protocol::events {

std::string conversations_data(const std::vector<listed_conversation>& list) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  write_key(w, "conversations");
  w.StartArray();
  for (const auto& c : list) {
    w.StartObject();
    write_key(w, "conversationId");
    write_string(w, c.conversation_id);
    write_key(w, "title");
    write_string(w, c.title);
    write_key(w, "updatedAt");
    write_string(w, to_rfc3339(c.updated_at));
    write_key(w, "messageCount");
    w.Uint64(c.message_count);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string conversation_renamed_data(std::string_view conversation_id, std::string_view title) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  write_key(w, "conversationId");
  write_string(w, conversation_id);
  write_key(w, "title");
  write_string(w, title);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::protocol::events
