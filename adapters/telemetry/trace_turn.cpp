// adapters/telemetry/trace_turn.cpp — see trace_turn.hpp.
#include "adapters/telemetry/trace_turn.hpp"

#include <algorithm>
#include <cstdint>

namespace so::adapters::telemetry {

namespace {

constexpr std::string_view kCancelled = "cancelled";

std::string str(std::string_view s) {
  return std::string(s);
}

std::int64_t as_int(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

}  // namespace

turn_trace::~turn_trace() {
  if (!tracer_ || !turn_) return;
  // Killed without a terminal event (shutdown past the drain timeout): still report it.
  if (error_type_.empty()) set_error("killed", "the turn ended without a terminal event");
  end_turn(turn_outcome::failed);
}

void turn_trace::begin_turn(tracer_ptr tracer, const turn_trace_ids& ids) {
  if (!tracer) return;
  tracer_ = std::move(tracer);
  trace_ = trace_id::random();
  session_id_ = str(ids.session_id);
  conversation_id_ = str(ids.conversation_id);
  turn_id_ = str(ids.turn_id);
  const auto& o = tracer_->options();
  auto& s = turn_.emplace();
  s.trace = trace_;
  s.span = span_id::random();
  s.kind = span_kind::internal;
  s.name = ids.agent_name.empty() ? "invoke_agent" : "invoke_agent " + str(ids.agent_name);
  s.start_unix_ns = unix_now_ns();
  s.attributes.reserve(12);
  s.set("gen_ai.operation.name", str("invoke_agent"));
  s.set("gen_ai.provider.name", o.provider_name);
  if (!ids.agent_id.empty()) s.set("gen_ai.agent.id", str(ids.agent_id));
  if (!ids.agent_name.empty()) s.set("gen_ai.agent.name", str(ids.agent_name));
  if (!ids.model.empty()) s.set("gen_ai.request.model", str(ids.model));
  s.set("gen_ai.conversation.id", conversation_id_);
  s.set("session.id", session_id_);
  s.set("smooth_operator.turn.id", turn_id_);
  if (!ids.connection_id.empty()) s.set("smooth_operator.connection.id", str(ids.connection_id));
  if (!ids.organization_id.empty())
    s.set("smooth_operator.organization.id", str(ids.organization_id));
}

span_record turn_trace::child(std::string name, span_kind kind) const {
  span_record s;
  s.trace = trace_;
  s.span = span_id::random();
  s.parent = turn_->span;
  s.name = std::move(name);
  s.kind = kind;
  s.start_unix_ns = unix_now_ns();
  s.attributes.reserve(14);
  s.set("gen_ai.conversation.id", conversation_id_);
  s.set("session.id", session_id_);
  s.set("smooth_operator.turn.id", turn_id_);
  return s;
}

void turn_trace::begin_llm(std::string_view model, unsigned max_tokens, double temperature) {
  if (!tracer_ || !turn_) return;
  if (llm_) end_child(llm_, true, "superseded", "a new LLM call started");
  const auto& o = tracer_->options();
  auto& s = llm_.emplace(child("chat " + str(model), span_kind::client));
  s.set("gen_ai.operation.name", str("chat"));
  s.set("gen_ai.provider.name", o.provider_name);
  s.set("gen_ai.system", o.provider_name);  // the name before semconv 1.37
  s.set("gen_ai.request.model", str(model));
  s.set("gen_ai.request.max_tokens", static_cast<std::int64_t>(max_tokens));
  s.set("gen_ai.request.temperature", temperature);
  if (!o.server_address.empty()) s.set("server.address", o.server_address);
  if (o.server_port > 0) s.set("server.port", o.server_port);
}

void turn_trace::end_llm(const llm::accumulated_response& response) {
  if (!llm_) return;
  auto& s = *llm_;
  if (response.usage_reported) {
    s.set("gen_ai.usage.input_tokens", as_int(response.usage.prompt_tokens));
    s.set("gen_ai.usage.output_tokens", as_int(response.usage.completion_tokens));
    input_tokens_ += response.usage.prompt_tokens;
    output_tokens_ += response.usage.completion_tokens;
    usage_seen_ = true;
  }
  s.set("gen_ai.response.finish_reasons", std::vector<std::string>{response.finish_reason});
  end_child(llm_, false, {}, {});
}

void turn_trace::begin_tool(std::string_view name, std::string_view call_id) {
  if (!tracer_ || !turn_) return;
  if (tool_) end_child(tool_, true, "superseded", "a new tool call started");
  auto& s = tool_.emplace(child("execute_tool " + str(name), span_kind::internal));
  s.set("gen_ai.operation.name", str("execute_tool"));
  s.set("gen_ai.tool.name", str(name));
  if (!call_id.empty()) s.set("gen_ai.tool.call.id", str(call_id));
  s.set("gen_ai.tool.type", str("function"));
}

void turn_trace::end_tool(bool is_error) {
  if (!tool_) return;
  end_child(tool_, is_error, "tool_error", "the tool call returned an error");
}

void turn_trace::set_error(std::string_view code, std::string_view message) {
  if (!tracer_) return;
  error_type_ = str(code);
  error_message_ = str(message);
}

void turn_trace::end_child(std::optional<span_record>& span, bool error, std::string_view type,
                           std::string_view message) {
  if (!span) return;
  if (error) {
    span->status = span_status::error;
    span->status_message = str(message);
    span->set("error.type", str(type));
  }
  finish(*span);
  span.reset();
}

void turn_trace::end_turn(turn_outcome outcome) {
  if (!tracer_ || !turn_) return;
  std::string type = error_type_;
  std::string message = error_message_;
  if (outcome == turn_outcome::cancelled) {
    type = str(kCancelled);
    message = "the turn was cancelled";
  } else if (outcome != turn_outcome::succeeded && type.empty()) {
    type = str(outcome_label(outcome));
    message = "the turn " + type;
  }
  const bool error = outcome != turn_outcome::succeeded;
  // Children still open end with the turn, as errors: a stream cut by a cancel or a
  // failure, a tool still parked on its confirmation.
  const std::string child_type = error ? type : "unfinished";
  const std::string child_message = error ? message : "ended with its turn";
  end_child(llm_, true, child_type, child_message);
  end_child(tool_, true, child_type, child_message);
  auto& s = *turn_;
  s.set("smooth_operator.turn.outcome", str(outcome_label(outcome)));
  if (usage_seen_) {
    s.set("gen_ai.usage.input_tokens", as_int(input_tokens_));
    s.set("gen_ai.usage.output_tokens", as_int(output_tokens_));
  }
  if (error) {
    s.status = span_status::error;
    s.status_message = message;
    s.set("error.type", type);
  }
  finish(s);
  turn_.reset();
}

void turn_trace::finish(span_record& s) {
  s.end_unix_ns = std::max(unix_now_ns(), s.start_unix_ns);
  tracer_->record(std::move(s));
}

}  // namespace so::adapters::telemetry
