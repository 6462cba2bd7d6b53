// protocol/client_frames.cpp — see client_frames.hpp.
#include "protocol/client_frames.hpp"

#include "protocol/json.hpp"

namespace so::protocol::client {
namespace {

// One action object: `{"action":..., "requestId":..., <fields>}`.
class frame_writer {
 public:
  frame_writer(std::string_view action, std::string_view rid) : w_(sb_) {
    w_.StartObject();
    field("action", action);
    field("requestId", rid);
  }
  void field(std::string_view key, std::string_view value) {
    write_key(w_, key);
    write_string(w_, value);
  }
  json_writer& w() { return w_; }
  std::string finish() {
    w_.EndObject();
    return std::string(sb_.GetString(), sb_.GetSize());
  }

 private:
  rapidjson::StringBuffer sb_;
  json_writer w_;
};

}  // namespace

std::string ping(std::string_view rid) {
  return frame_writer("ping", rid).finish();
}

std::string create_conversation_session(std::string_view rid, std::string_view agent_id) {
  frame_writer f("create_conversation_session", rid);
  f.field("agentId", agent_id);
  return f.finish();
}

std::string send_message(std::string_view rid, std::string_view session_id,
                         std::string_view message) {
  frame_writer f("send_message", rid);
  f.field("sessionId", session_id);
  f.field("message", message);
  return f.finish();
}

std::string get_conversation_messages(std::string_view rid, std::string_view session_id,
                                      std::size_t limit, const std::optional<std::string>& cursor) {
  frame_writer f("get_conversation_messages", rid);
  f.field("sessionId", session_id);
  write_key(f.w(), "limit");
  f.w().Uint64(limit);
  if (cursor) f.field("cursor", *cursor);
  return f.finish();
}

std::string confirm_tool_action(std::string_view rid, std::string_view session_id, bool approved) {
  frame_writer f("confirm_tool_action", rid);
  f.field("sessionId", session_id);
  write_key(f.w(), "approved");
  f.w().Bool(approved);
  return f.finish();
}

std::string cancel(std::string_view rid, std::string_view session_id) {
  frame_writer f("cancel", rid);
  f.field("sessionId", session_id);
  return f.finish();
}

std::string admin_publish_body(std::string_view kind, std::string_view id,
                               std::string_view event_json) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  write_key(w, "target");
  w.StartObject();
  write_key(w, "type");
  write_string(w, kind);
  write_key(w, "id");
  write_string(w, id);
  w.EndObject();
  write_key(w, "event");
  write_raw(w, event_json, rapidjson::kObjectType);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::protocol::client
