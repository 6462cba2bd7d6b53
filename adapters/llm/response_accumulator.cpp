// adapters/llm/response_accumulator.cpp — see response_accumulator.hpp.
#include "adapters/llm/response_accumulator.hpp"

#include "adapters/llm/xml_tool_call_recovery.hpp"
#include "protocol/json.hpp"

#include <type_traits>

namespace so::adapters::llm {

std::string canonical_arguments(std::string_view raw) {
  rapidjson::Document doc;
  if (raw.empty() || !protocol::parse_untrusted(doc, raw).ok) return "{}";
  return protocol::to_compact_json(doc);
}

response_accumulator::pending_call& response_accumulator::call_at(std::size_t index) {
  for (auto& c : calls_) {
    if (c.index == index) return c;
  }
  pending_call& c = calls_.emplace_back();
  c.index = index;
  c.call.id = "call_" + std::to_string(index);
  return c;
}

void response_accumulator::add(const stream_event& e) {
  std::visit(
      [this](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, content_delta>) {
          content_ += ev.text;
        } else if constexpr (std::is_same_v<T, reasoning_delta>) {
          reasoning_ += ev.text;
        } else if constexpr (std::is_same_v<T, tool_call_start>) {
          pending_call& c = call_at(ev.index);
          c.call.id = ev.id;
          c.call.name = ev.name;
          c.arguments.clear();
        } else if constexpr (std::is_same_v<T, tool_arguments_delta>) {
          call_at(ev.index).arguments += ev.text;
        } else if constexpr (std::is_same_v<T, usage_report>) {
          usage_ = ev.usage;
          usage_reported_ = true;
        } else if constexpr (std::is_same_v<T, finish_seen>) {
          // The first one: a chunk's own reason ("tool_calls") precedes the `[DONE]`
          // marker, which the decoder reports as "stop" (issue 13 item 5: LLM spans).
          if (!finish_seen_) finish_reason_ = ev.reason;
          finish_seen_ = true;
        }
        // stream_complete / stream_failed carry nothing to accumulate.
      },
      e);
}

accumulated_response response_accumulator::finish() const {
  accumulated_response r;
  r.content = content_;
  r.reasoning = reasoning_;
  r.finish_reason = finish_reason_;
  for (const auto& c : calls_) {
    if (c.call.name.empty()) continue;
    tool_call call = c.call;
    call.arguments_json = canonical_arguments(c.arguments);
    r.tool_calls.push_back(std::move(call));
  }
  if (r.tool_calls.empty() && has_xml_tool_calls(r.content)) {
    auto recovered = recover_xml_tool_calls(r.content);
    if (!recovered.empty()) {
      r.tool_calls = std::move(recovered);
      r.content.clear();  // the raw XML already streamed as tokens; it is not the reply
    }
  }
  r.usage = usage_;
  r.usage_reported = usage_reported_;
  if (!usage_reported_ || (usage_.prompt_tokens == 0 && usage_.completion_tokens == 0)) {
    std::size_t bytes = r.content.size();
    for (const auto& c : r.tool_calls) bytes += c.arguments_json.size();
    r.usage.completion_tokens = bytes / 4;
    r.usage.total_tokens = r.usage.prompt_tokens + r.usage.completion_tokens;
  }
  return r;
}

}  // namespace so::adapters::llm
