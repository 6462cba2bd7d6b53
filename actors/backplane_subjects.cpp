#include "actors/backplane_subjects.hpp"

#include "protocol/percent_encoding.hpp"

namespace so::actors {

namespace {

bool plain_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '@' || c == ':' || c == '+' || c == '=';
}

// Verbatim only when every token is non-empty: an empty id, a leading or trailing
// dot, or ".." would make an invalid subject.
bool verbatim(std::string_view id) {
  if (id.empty() || id.front() == '.' || id.back() == '.') return false;
  if (id.find("..") != std::string_view::npos) return false;
  for (unsigned char c : id)
    if (!plain_byte(c) && c != '.') return false;
  return true;
}

}  // namespace

std::string encode_subject_id(std::string_view id) {
  // An empty id still needs a token: "%" alone never comes out of an encoded byte.
  if (id.empty()) return "%";
  if (verbatim(id)) return std::string(id);
  return protocol::percent_encode(id, plain_byte);
}

std::string event_subject(target_kind kind, std::string_view id) {
  std::string s = "smooth-operator.";
  s += names_of(kind).subject;
  s += '.';
  s += encode_subject_id(id);
  return s;
}

std::string control_subject(std::string_view session_id) {
  std::string s = "smooth-operator.control.session.";
  s += encode_subject_id(session_id);
  return s;
}

}  // namespace so::actors
