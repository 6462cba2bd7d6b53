// protocol/nested_event.hpp — the double-nested envelope of the newer events
// (interaction_*, otp_*): {"type","requestId","data":{"requestId","data":{…}},"timestamp"}.
//
// One writer for every such event, so the envelope cannot drift between them; `body`
// writes the members of the innermost object.
//
// Thread-safety: a pure function.
#pragma once

#include "protocol/json.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace so::protocol {

template <class Body>
std::string nested_event(std::string_view type, std::string_view rid, std::int64_t now_ms,
                         Body&& body) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  write_key(w, "type");
  write_string(w, type);
  write_key(w, "requestId");
  write_string(w, rid);
  write_key(w, "data");
  w.StartObject();
  write_key(w, "requestId");
  write_string(w, rid);
  write_key(w, "data");
  w.StartObject();
  body(w);
  w.EndObject();
  w.EndObject();
  write_key(w, "timestamp");
  w.Int64(now_ms);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::protocol
