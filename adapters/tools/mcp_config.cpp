// adapters/tools/mcp_config.cpp — see mcp_config.hpp.
#include "adapters/tools/mcp_config.hpp"

#include "protocol/json.hpp"

#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

namespace so::adapters::tools {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw mcp_config_error(where + ": " + what);
}

std::string string_of(const rapidjson::Value& v, const std::string& where) {
  if (!v.IsString()) fail(where, "must be a string");
  return {v.GetString(), v.GetStringLength()};
}

std::chrono::seconds seconds_of(const rapidjson::Value& v, const std::string& where) {
  if (!v.IsUint64() || v.GetUint64() == 0 || v.GetUint64() > 86'400)
    fail(where, "must be a whole number of seconds from 1 to 86400");
  return std::chrono::seconds(v.GetUint64());
}

mcp_server_config parse_entry(const std::string& name, const rapidjson::Value& v) {
  const std::string at = "mcpServers." + name;
  if (name.empty()) fail("mcpServers", "a server name must not be empty");
  if (!v.IsObject()) fail(at, "must be an object");
  mcp_server_config e;
  e.name = name;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    const std::string where = at + "." + key;
    const auto& val = m->value;
    if (key == "command") {
      e.command = string_of(val, where);
    } else if (key == "args") {
      if (!val.IsArray()) fail(where, "must be an array of strings");
      for (const auto& a : val.GetArray()) e.args.push_back(string_of(a, where + "[]"));
    } else if (key == "env") {
      if (!val.IsObject()) fail(where, "must be an object of strings");
      for (auto kv = val.MemberBegin(); kv != val.MemberEnd(); ++kv) {
        std::string k(kv->name.GetString(), kv->name.GetStringLength());
        if (k.empty() || k.find('=') != std::string::npos)
          fail(where, "a variable name must be non-empty and without '='");
        e.env.emplace_back(k, string_of(kv->value, where + "." + k));
      }
    } else if (key == "url") {
      e.url = string_of(val, where);
    } else if (key == "bearer_token") {
      e.bearer_token = string_of(val, where);
    } else if (key == "disabled") {
      if (!val.IsBool()) fail(where, "must be true or false");
      e.disabled = val.GetBool();
    } else if (key == "timeout_secs") {
      e.call_timeout = seconds_of(val, where);
    } else if (key == "connect_timeout_secs") {
      e.connect_timeout = seconds_of(val, where);
    } else if (key == "type") {
      string_of(val, where);  // informational (other MCP clients write it)
    } else {
      fail(where,
           "unknown key (expected command, args, env, url, bearer_token, disabled, "
           "timeout_secs, connect_timeout_secs, type)");
    }
  }
  return e;
}

}  // namespace

mcp_config parse_mcp_config(std::string_view json) {
  rapidjson::Document doc;
  if (auto r = protocol::parse_untrusted(doc, json); !r.ok) fail("invalid JSON", r.error);
  if (!doc.IsObject()) fail("top level", "must be an object {\"mcpServers\": {...}}");
  mcp_config c;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    if (key != "mcpServers") fail(key, "unknown key (expected mcpServers)");
    if (!m->value.IsObject()) fail("mcpServers", "must be an object of name → server");
    for (auto s = m->value.MemberBegin(); s != m->value.MemberEnd(); ++s)
      c.servers.push_back(
          parse_entry(std::string(s->name.GetString(), s->name.GetStringLength()), s->value));
  }
  return c;
}

mcp_config load_mcp_config_file(const std::string& path) {
  const std::string prefix = "SMOOTH_AGENT_MCP_CONFIG " + path + ": ";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw mcp_config_error(prefix + "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw mcp_config_error(prefix + "cannot read the file");
  try {
    return parse_mcp_config(text.str());
  } catch (const mcp_config_error& e) {
    throw mcp_config_error(prefix + e.what());
  }
}

std::string expand_env(std::string_view text, const env_lookup& env) {
  static constexpr std::string_view kOpen = "${env:";
  std::string out;
  while (true) {
    const auto start = text.find(kOpen);
    if (start == std::string_view::npos) break;
    const auto close = text.find('}', start + kOpen.size());
    if (close == std::string_view::npos) break;  // unterminated: the rest stays verbatim
    out.append(text.substr(0, start));
    const std::string name(text.substr(start + kOpen.size(), close - start - kOpen.size()));
    if (auto v = env(name.c_str())) out.append(*v);
    text.remove_prefix(close + 1);
  }
  out.append(text);
  return out;
}

mcp_server_config expand_entry(const mcp_server_config& entry, const env_lookup& env) {
  auto e = entry;
  e.command = expand_env(e.command, env);
  for (auto& a : e.args) a = expand_env(a, env);
  for (auto& kv : e.env) kv.second = expand_env(kv.second, env);
  if (e.url) e.url = expand_env(*e.url, env);
  if (e.bearer_token) e.bearer_token = expand_env(*e.bearer_token, env);
  return e;
}

std::string sanitize_mcp_name(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (const char ch : part) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: its character is counted
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-';
    out.push_back(allowed ? ch : '_');
  }
  return out;
}

std::string mcp_tool_name(std::string_view server, std::string_view tool) {
  return "mcp__" + sanitize_mcp_name(server) + "__" + sanitize_mcp_name(tool);
}

}  // namespace so::adapters::tools
