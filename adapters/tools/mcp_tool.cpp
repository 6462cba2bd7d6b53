// adapters/tools/mcp_tool.cpp — see mcp_tool.hpp.
#include "adapters/tools/mcp_tool.hpp"

#include "adapters/llm/chat_request_json.hpp"
#include "protocol/json.hpp"

#include <rapidjson/document.h>

#include <utility>

namespace so::adapters::tools {
namespace {

/// §7.4 `<body>`: text items' text and other items' JSON, joined with "\n"; if that is
/// empty, the structured content as JSON; else "".
std::string body_of(const rapidjson::Value& result) {
  std::string body;
  bool first = true;
  if (const auto* content = protocol::get_member(result, "content");
      content != nullptr && content->IsArray()) {
    for (const auto& item : content->GetArray()) {
      if (!first) body.push_back('\n');
      first = false;
      const auto type = item.IsObject() ? protocol::get_string(item, "type") : std::nullopt;
      const auto text = item.IsObject() ? protocol::get_string(item, "text") : std::nullopt;
      if (type == "text" && text)
        body += *text;
      else
        body += protocol::to_compact_json(item);
    }
  }
  if (body.empty())
    if (const auto* structured = protocol::get_member(result, "structuredContent");
        structured != nullptr && !structured->IsNull())
      body = protocol::to_compact_json(*structured);
  return body;
}

}  // namespace

std::string mcp_duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

tool_outcome mcp_call_outcome(const std::string& name, const mcp_reply& reply,
                              std::chrono::milliseconds timeout, std::size_t max_result_bytes) {
  if (reply.timed_out)
    return tool_outcome::failure(name + " timed out after " + mcp_duration_text(timeout));
  if (!reply.result_json) return tool_outcome::failure(name + " failed: " + reply.error);
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, *reply.result_json).ok || !doc.IsObject())
    return tool_outcome::failure(name + " failed: the result is not a JSON object");
  auto body = body_of(doc);
  if (body.size() > max_result_bytes)
    return tool_outcome::failure(name + " failed: the result exceeds the limit of " +
                                 std::to_string(max_result_bytes) +
                                 " bytes (SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES)");
  if (protocol::get_bool(doc, "isError").value_or(false))
    return tool_outcome::failure(name + " reported an error: " + body);
  return tool_outcome::ok(std::move(body));
}

mcp_tool::mcp_tool(llm::tool_spec spec, mcp_tool_options options, mcp_session_source session)
    : spec_(llm::with_compact_parameters(std::move(spec))),
      options_(std::move(options)),
      session_(std::move(session)) {}

void mcp_tool::invoke(const std::string& arguments_json, const tool_context& /*ctx*/,
                      tool_done done) {
  const auto& name = spec_.name;
  rapidjson::Document args;
  if (!protocol::parse_untrusted(args, arguments_json).ok || !args.IsObject()) {
    return done(
        tool_outcome::failure(name + ": arguments must be a JSON object, got " + arguments_json));
  }
  auto session = session_ ? session_() : nullptr;
  if (!session || !session->alive()) {
    return done(tool_outcome::failure(name + " failed: MCP server `" + options_.server +
                                      "` is not connected"));
  }
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "name");
  protocol::write_string(w, options_.remote_name);
  protocol::write_key(w, "arguments");
  args.Accept(w);
  w.EndObject();
  session->request("tools/call", std::string(sb.GetString(), sb.GetSize()), options_.call_timeout,
                   [name, timeout = options_.call_timeout, cap = options_.max_result_bytes,
                    done = std::move(done)](mcp_reply reply) {
                     done(mcp_call_outcome(name, reply, timeout, cap));
                   });
}

}  // namespace so::adapters::tools
