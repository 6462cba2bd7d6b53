// adapters/tools/webhook_tool.cpp — see webhook_tool.hpp.
#include "adapters/tools/webhook_tool.hpp"

#include "adapters/llm/chat_request_json.hpp"
#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace so::adapters::tools {
namespace {

constexpr std::size_t kMaxErrorBodyChars = 200;

/// The request body. Arguments travel as a JSON value, not as text; text that is
/// not valid JSON (the engine normally never passes any) is sent as `{}`.
std::string make_body(const std::string& name, const std::string& arguments_json,
                      const tool_context& ctx) {
  rapidjson::Document args;
  if (!protocol::parse_untrusted(args, arguments_json).ok) args.SetObject();

  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "name");
  protocol::write_string(w, name);
  protocol::write_key(w, "arguments");
  args.Accept(w);
  protocol::write_key(w, "sessionId");
  protocol::write_string(w, ctx.session_id);
  protocol::write_key(w, "conversationId");
  protocol::write_string(w, ctx.conversation_id);
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

/// State of one call, shared by the HTTP callbacks. It deliberately holds no
/// handle to the call: the call keeps itself alive through its pending I/O, and a
/// handle here would close a cycle (call -> callbacks -> state -> call) that leaks
/// the call, and the turn behind `done`, when the I/O is torn down unfinished.
struct call_state {
  std::mutex mutex;
  tool_done done;  ///< emptied when called: guarantees exactly once
  std::size_t max_body = 0;
  int status = 0;
  std::string body;
  bool too_large = false;  ///< the body passed max_body (what arrived beyond it is dropped)

  void append(std::string_view chunk) {
    if (too_large) return;
    if (chunk.size() > max_body - body.size()) {
      too_large = true;
      return;
    }
    body.append(chunk);
  }

  void finish(tool_outcome outcome) {
    tool_done d;
    {
      std::lock_guard lock(mutex);
      d = std::move(done);
      done = nullptr;
    }
    if (d) d(std::move(outcome));
  }
};

tool_outcome outcome_of(const call_state& s, const net::http_outcome& o) {
  if (o.body_too_large || s.too_large) {
    return tool_outcome::failure("webhook failed: the response body exceeds the limit of " +
                                 std::to_string(s.max_body) +
                                 " bytes (SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES)");
  }
  if (o.error) return tool_outcome::failure("webhook failed: " + *o.error);
  if (o.cancelled) return tool_outcome::failure("webhook failed: cancelled");
  // The endpoint's bytes are not trusted to be UTF-8.
  if (s.status >= 200 && s.status < 300) return tool_outcome::ok(protocol::repair_utf8(s.body));
  return tool_outcome::failure(
      "webhook returned HTTP " + std::to_string(s.status) + ": " +
      std::string(protocol::utf8_prefix(protocol::repair_utf8(s.body), kMaxErrorBodyChars)));
}

}  // namespace

webhook_tool::webhook_tool(llm::tool_spec spec, webhook_options options, net::http_client_ptr http)
    : spec_(llm::with_compact_parameters(std::move(spec))),
      options_(std::move(options)),
      http_(std::move(http)) {
  if (!http_) throw std::invalid_argument("webhook_tool needs an HTTP client");
}

void webhook_tool::invoke(const std::string& arguments_json, const tool_context& ctx,
                          tool_done done) {
  auto state = std::make_shared<call_state>();
  state->done = std::move(done);
  state->max_body = options_.max_result_bytes;

  net::http_request req;
  req.method = "POST";
  req.url = options_.url;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.insert(req.headers.end(), options_.headers.begin(), options_.headers.end());
  req.body = make_body(spec_.name, arguments_json, ctx);
  // `timeoutMs` bounds the whole call, so no phase may outlast it.
  req.total_timeout = options_.timeout;
  req.connect_timeout = std::min(req.connect_timeout, options_.timeout);
  req.idle_timeout = std::min(req.idle_timeout, options_.timeout);
  req.max_body_bytes = options_.max_result_bytes;  // the client stops reading past it

  net::http_callbacks cb;
  // Callbacks run one at a time on the I/O thread, so status/body need no lock.
  cb.on_head = [state](const net::http_response_head& head) { state->status = head.status; };
  cb.on_body = [state](std::string_view chunk) { state->append(chunk); };
  cb.on_complete = [state](const net::http_outcome& o) { state->finish(outcome_of(*state, o)); };

  try {
    http_->start(std::move(req), std::move(cb));  // the handle may go: the call owns itself
  } catch (const std::exception& e) {
    state->finish(tool_outcome::failure(std::string("webhook failed: ") + e.what()));
  }
}

}  // namespace so::adapters::tools
