// adapters/llm/chat_request_json.cpp — see chat_request_json.hpp.
#include "adapters/llm/chat_request_json.hpp"

#include "protocol/json.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>

namespace so::adapters::llm {
namespace {

using protocol::json_writer;
using protocol::write_key;
using protocol::write_string;

constexpr std::string_view kDefaultParameters = R"({"type":"object","properties":{}})";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != s.npos;
}

const char* role_name(role r) {
  switch (r) {
    case role::system:
      return "system";
    case role::user:
      return "user";
    case role::assistant:
      return "assistant";
    case role::tool:
      return "tool";
  }
  return "user";
}

void write_cache_control(json_writer& w) {
  write_key(w, "cache_control");
  w.StartObject();
  write_key(w, "type");
  write_string(w, "ephemeral");
  w.EndObject();
}

void write_content(json_writer& w, std::string_view text, bool cache_marker) {
  write_key(w, "content");
  if (!cache_marker) return write_string(w, text);
  w.StartArray();
  w.StartObject();
  write_key(w, "type");
  write_string(w, "text");
  write_key(w, "text");
  write_string(w, text);
  write_cache_control(w);
  w.EndObject();
  w.EndArray();
}

// §2.3: the compact JSON of the arguments when they are an object, else "{}".
std::string object_arguments(std::string_view json) {
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, json).ok || !doc.IsObject()) return "{}";
  return protocol::to_compact_json(doc);
}

// A tool's schema spliced raw; an invalid one degrades to the empty object schema.
std::string parameters(std::string_view json) {
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, json).ok || !doc.IsObject()) {
    return std::string(kDefaultParameters);
  }
  return protocol::to_compact_json(doc);
}

void write_message(json_writer& w, const chat_message& m, bool cache_marker) {
  w.StartObject();
  write_key(w, "role");
  write_string(w, role_name(m.role));
  if (m.images.empty()) {
    write_content(w, m.content, cache_marker);
  } else {
    // Issue 12: a text part, then one image_url part per attached image.
    write_key(w, "content");
    w.StartArray();
    w.StartObject();
    write_key(w, "type");
    write_string(w, "text");
    write_key(w, "text");
    write_string(w, m.content);
    if (cache_marker) write_cache_control(w);
    w.EndObject();
    for (const auto& img : m.images) {
      w.StartObject();
      write_key(w, "type");
      write_string(w, "image_url");
      write_key(w, "image_url");
      w.StartObject();
      write_key(w, "url");
      write_string(w, img.url);
      if (!img.detail.empty()) {
        write_key(w, "detail");
        write_string(w, img.detail);
      }
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  if (m.role == role::assistant && !m.tool_calls.empty()) {
    write_key(w, "tool_calls");
    w.StartArray();
    for (const auto& c : m.tool_calls) {
      w.StartObject();
      write_key(w, "id");
      write_string(w, c.id);
      write_key(w, "type");
      write_string(w, "function");
      write_key(w, "function");
      w.StartObject();
      write_key(w, "name");
      write_string(w, c.name);
      write_key(w, "arguments");
      write_string(w, object_arguments(c.arguments_json));
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  if (m.role == role::assistant && !m.reasoning.empty()) {
    write_key(w, "reasoning_content");
    write_string(w, m.reasoning);
  }
  if (m.role == role::tool) {
    write_key(w, "tool_call_id");
    write_string(w, m.tool_call_id);
    write_key(w, "name");
    write_string(w, m.name);
  }
  w.EndObject();
}

}  // namespace

bool wants_prompt_cache(std::string_view model, std::string_view base_url) {
  const std::string m = lower(model);
  const bool claude_family =
      contains(m, "claude") || contains(m, "sonnet") || contains(m, "opus") ||
      contains(m, "haiku") || m.rfind("smooth-coding", 0) == 0 ||
      m.rfind("smooth-thinking", 0) == 0 || m.rfind("smooth-planning", 0) == 0 ||
      m.rfind("smooth-reviewing", 0) == 0;
  const bool caching_gateway = contains(base_url, "litellm") || contains(base_url, "gateway") ||
                               contains(base_url, "anthropic.");
  return claude_family && caching_gateway;
}

tool_spec with_compact_parameters(tool_spec spec) {
  if (!spec.parameters_compact) {
    spec.parameters_json = parameters(spec.parameters_json);
    spec.parameters_compact = true;
  }
  return spec;
}

std::string chat_request_json(const chat_request& request, const chat_request_options& options) {
  // Which messages get a cache marker: the last system message, and the last
  // message when there is more than one.
  std::optional<std::size_t> last_system;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (request.messages[i].role == role::system) last_system = i;
  }
  const auto marked = [&](std::size_t i) {
    if (!options.prompt_cache) return false;
    return i == last_system || (request.messages.size() > 1 && i + 1 == request.messages.size());
  };

  // Sized up front: a turn's body (50 history messages) is tens of KB, and growing
  // from RapidJSON's 256 bytes took a dozen reallocations, each copying the body so far.
  std::size_t estimate = 1024;
  for (const auto& m : request.messages) estimate += m.content.size() + m.content.size() / 8 + 64;
  for (const auto& t : request.tools)
    estimate += t.description.size() + t.parameters_json.size() + 128;
  rapidjson::StringBuffer sb(nullptr, estimate);
  json_writer w(sb);
  w.StartObject();
  write_key(w, "model");
  write_string(w, request.model);
  write_key(w, "messages");
  w.StartArray();
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    write_message(w, request.messages[i], marked(i));
  }
  w.EndArray();
  write_key(w, "max_tokens");
  w.Uint(request.max_tokens);
  write_key(w, "temperature");
  w.Double(request.temperature);
  if (!request.tools.empty()) {
    write_key(w, "tools");
    w.StartArray();
    for (std::size_t i = 0; i < request.tools.size(); ++i) {
      const tool_spec& t = request.tools[i];
      w.StartObject();
      write_key(w, "type");
      write_string(w, "function");
      write_key(w, "function");
      w.StartObject();
      write_key(w, "name");
      write_string(w, t.name);
      write_key(w, "description");
      write_string(w, t.description);
      write_key(w, "parameters");
      if (t.parameters_compact) {
        protocol::write_raw(w, t.parameters_json, rapidjson::kObjectType);
      } else {
        protocol::write_raw(w, parameters(t.parameters_json), rapidjson::kObjectType);
      }
      w.EndObject();
      if (options.prompt_cache && i + 1 == request.tools.size()) write_cache_control(w);
      w.EndObject();
    }
    w.EndArray();
    write_key(w, "tool_choice");
    write_string(w, "auto");
  }
  write_key(w, "stream");
  w.Bool(options.stream);
  if (options.stream && options.include_usage) {
    write_key(w, "stream_options");
    w.StartObject();
    write_key(w, "include_usage");
    w.Bool(true);
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::adapters::llm
