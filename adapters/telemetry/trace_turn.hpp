// adapters/telemetry/trace_turn.hpp — the spans of one turn (OpenTelemetry GenAI semantic
// conventions; docs/observability.md): a turn span ("invoke_agent <agent>") and, as its
// children in the same trace, one span per LLM call ("chat <model>", CLIENT) and one per
// tool call ("execute_tool <tool>"). Every span names the conversation, session and turn.
//
// A member of the turn actor's state: the turn calls begin_/end_ at its steps and each span
// is handed to the tracer when it ends. Without a tracer (tracing off) every call returns at
// once and nothing is allocated. Whatever is still open when the turn ends (a stream cut by
// a cancel, a tool parked on a confirmation) ends with it, with the turn's error; a turn
// that dies without ending (killed at shutdown) ends its spans as errors on destruction.
// Status: error on a failed, cancelled or refused turn (error.type = the protocol code, or
// "cancelled"), on a failed LLM call and on a tool call whose result is an error.
// Thread-safety: none; owned by one actor.
#pragma once

#include "adapters/llm/response_accumulator.hpp"
#include "adapters/telemetry/server_metrics.hpp"
#include "adapters/telemetry/trace_tracer.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::telemetry {

/// What names a turn (views: copied only when tracing is on).
struct turn_trace_ids {
  std::string_view session_id;
  std::string_view conversation_id;
  std::string_view turn_id;  ///< the send_message requestId
  std::string_view connection_id;
  std::string_view agent_id;
  std::string_view agent_name;
  std::string_view organization_id;
  std::string_view model;  ///< the turn's model (gen_ai.request.model)
};

class turn_trace {
 public:
  turn_trace() = default;
  turn_trace(const turn_trace&) = delete;
  turn_trace& operator=(const turn_trace&) = delete;
  ~turn_trace();

  /// Starts the turn span; a null tracer leaves tracing off for this turn.
  void begin_turn(tracer_ptr tracer, const turn_trace_ids& ids);
  bool active() const { return tracer_ != nullptr; }

  void begin_llm(std::string_view model, unsigned max_tokens, double temperature);
  /// The call's response: token usage (when reported) and finish reason.
  void end_llm(const llm::accumulated_response& response);

  void begin_tool(std::string_view name, std::string_view call_id);
  void end_tool(bool is_error);

  /// Why the turn is failing (its protocol error code and message); applied by end_turn
  /// to the turn span and to an LLM or tool span still open.
  void set_error(std::string_view code, std::string_view message);

  /// Ends open children, then the turn span; `outcome` sets its status.
  void end_turn(turn_outcome outcome);

  /// The turn span's trace id (invalid while inactive): for tests and log correlation.
  const trace_id& trace() const { return trace_; }

 private:
  span_record child(std::string name, span_kind kind) const;
  void end_child(std::optional<span_record>& span, bool error, std::string_view type,
                 std::string_view message);
  void finish(span_record& s);

  tracer_ptr tracer_;
  trace_id trace_;
  std::optional<span_record> turn_;
  std::optional<span_record> llm_;
  std::optional<span_record> tool_;
  std::string session_id_;
  std::string conversation_id_;
  std::string turn_id_;
  std::string error_type_;
  std::string error_message_;
  std::uint64_t input_tokens_ = 0;
  std::uint64_t output_tokens_ = 0;
  bool usage_seen_ = false;
};

}  // namespace so::adapters::telemetry
