// adapters/logging/log_ids.cpp — see log_ids.hpp.
#include "adapters/logging/log_ids.hpp"

#include "protocol/json.hpp"

namespace so::logging {
namespace {

bool plain(std::string_view v) {
  if (v.empty()) return false;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

void append_one(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  if (!out.empty() && out.back() != ' ') out += ' ';
  out += key;
  out += '=';
  if (plain(value)) {
    out += value;
    return;
  }
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  protocol::write_string(w, value);
  out.append(sb.GetString(), sb.GetSize());
}

constexpr std::string_view kKeys[] = {"conn", "session", "turn", "remote"};

}  // namespace

void append_log_ids(std::string& out, const log_ids& ids) {
  std::string part;
  append_one(part, "conn", ids.conn);
  append_one(part, "session", ids.session);
  append_one(part, "turn", ids.turn);
  append_one(part, "remote", ids.remote);
  if (!part.empty() && !out.empty() && out.back() != ' ') out += ' ';
  out += part;
}

split_message split_log_ids(std::string_view msg) {
  split_message m;
  std::string_view s = msg;
  for (;;) {
    std::string_view key;
    for (auto k : kKeys)
      if (s.size() > k.size() && s.substr(0, k.size()) == k && s[k.size()] == '=') key = k;
    if (key.empty()) break;
    std::string_view v = s.substr(key.size() + 1);
    std::string value;
    std::size_t used = 0;
    if (!v.empty() && v[0] == '"') {
      // A JSON string literal: find its closing quote, then let the parser unescape it.
      std::size_t i = 1;
      while (i < v.size() && v[i] != '"') i += (v[i] == '\\') ? 2 : 1;
      if (i >= v.size()) break;
      rapidjson::Document d;
      if (!protocol::parse_untrusted(d, v.substr(0, i + 1)).ok || !d.IsString()) break;
      value.assign(d.GetString(), d.GetStringLength());
      used = i + 1;
    } else {
      used = std::min(v.find(' '), v.size());
      if (used == 0) break;
      value.assign(v.substr(0, used));
    }
    m.ids.emplace_back(key, std::move(value));
    s = v.substr(used);
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  }
  m.rest = m.ids.empty() ? msg : s;
  return m;
}

}  // namespace so::logging
