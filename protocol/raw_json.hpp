// protocol/raw_json.hpp — splicing pre-serialized JSON text into a writer.
//
// Opaque JSON fields travel as compact text (see domain.hpp); these helpers put
// that text back into an output document. Pure; safe from any thread.
#pragma once

#include "protocol/json.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace so::protocol {

/// The JSON type of compact JSON text, judged by its first character.
inline rapidjson::Type raw_json_type(std::string_view json) {
  if (json.empty()) return rapidjson::kNullType;
  switch (json.front()) {
    case '{':
      return rapidjson::kObjectType;
    case '[':
      return rapidjson::kArrayType;
    case '"':
      return rapidjson::kStringType;
    case 't':
      return rapidjson::kTrueType;
    case 'f':
      return rapidjson::kFalseType;
    case 'n':
      return rapidjson::kNullType;
    default:
      return rapidjson::kNumberType;
  }
}

/// Writes compact JSON text as a value; empty text becomes `null` so the output
/// stays well-formed even when a caller stored nothing.
inline void write_raw_value(json_writer& w, std::string_view json) {
  if (json.empty()) {
    w.Null();
    return;
  }
  write_raw(w, json, raw_json_type(json));
}

/// True when the text is absent or the JSON literal `null`: both mean "absent"
/// for optional fields, which are then omitted rather than written as null.
inline bool raw_json_absent(const std::optional<std::string>& json) {
  return !json || json->empty() || *json == "null";
}

}  // namespace so::protocol
