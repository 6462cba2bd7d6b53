// adapters/llm/scripted_provider.cpp — see scripted_provider.hpp.
//
// Delivery is synchronous: `stream` replays the popped entry's events into the
// sink on the calling thread before returning. That is safe because sinks only
// forward (the server's sink does a caf::anon_send) and never call back into
// the provider. Consequently the returned handle has nothing left to stop:
// `cancel()` is a no-op, and the caller ignores already-delivered events of a
// cancelled call as it must for any provider (llm_provider.hpp).
#include "adapters/llm/scripted_provider.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <stdexcept>

namespace so::adapters::llm {
namespace {

constexpr token_usage kScriptedUsage{10, 5, 15};

std::invalid_argument bad_entry(std::size_t index, const std::string& why) {
  return std::invalid_argument("mockLlmScript entry " + std::to_string(index) + ": " + why);
}

std::string required_string(const rapidjson::Value& e, const char* key, std::size_t index) {
  auto s = protocol::get_string(e, key);
  if (!s) throw bad_entry(index, std::string("missing string '") + key + "'");
  return *s;
}

script_entry parse_entry(const rapidjson::Value& e, std::size_t index) {
  if (!e.IsObject()) throw bad_entry(index, "not an object");
  const std::string kind = required_string(e, "kind", index);
  script_entry out;
  if (kind == "text") {
    out.what = script_entry::kind::text;
    out.text = required_string(e, "text", index);
  } else if (kind == "toolCall") {
    out.what = script_entry::kind::tool_call;
    out.name = required_string(e, "name", index);
    if (out.name.empty()) throw bad_entry(index, "empty tool name");
    const rapidjson::Value* args = protocol::get_member(e, "arguments");
    if (args == nullptr || args->IsNull()) {
      out.arguments = "{}";
    } else if (args->IsString()) {
      out.arguments.assign(args->GetString(), args->GetStringLength());
    } else {
      out.arguments = protocol::to_compact_json(*args);  // lenient: an inline JSON value
    }
    if (const rapidjson::Value* id = protocol::get_member(e, "id");
        id != nullptr && !id->IsNull()) {
      if (!id->IsString()) throw bad_entry(index, "'id' is not a string");
      out.id.assign(id->GetString(), id->GetStringLength());
    }
  } else if (kind == "error") {
    out.what = script_entry::kind::failure;
    out.text = required_string(e, "message", index);
  } else {
    throw bad_entry(index, "unknown kind \"" + kind + "\"");
  }
  return out;
}

// Events of a drained script: an empty response (engine.md §6.1).
std::vector<stream_event> drained_events() {
  return {finish_seen{"stop"}, stream_complete{}};
}

// Every event was delivered before the handle is returned.
class completed_handle final : public stream_handle {
 public:
  void cancel() override {}
};

}  // namespace

std::vector<script_entry> parse_script(std::string_view json_array) {
  rapidjson::Document doc;
  if (const auto r = protocol::parse_untrusted(doc, json_array); !r.ok) {
    throw std::invalid_argument("mockLlmScript is not valid JSON: " + r.error);
  }
  if (!doc.IsArray()) throw std::invalid_argument("mockLlmScript must be a JSON array");
  std::vector<script_entry> out;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) out.push_back(parse_entry(doc[i], i));
  return out;
}

std::vector<std::string> split_for_streaming(std::string_view text) {
  std::vector<std::string> pieces;
  const std::size_t n = protocol::utf8_length(text);
  if (n == 0) return pieces;
  const std::size_t parts = n < 3 ? n : 3;
  const std::size_t size = (n + parts - 1) / parts;
  while (!text.empty()) {
    const std::string_view piece = protocol::utf8_prefix(text, size);
    pieces.emplace_back(piece);
    text.remove_prefix(piece.size());
  }
  return pieces;
}

std::vector<stream_event> script_events(const script_entry& entry) {
  std::vector<stream_event> out;
  switch (entry.what) {
    case script_entry::kind::text:
      for (auto& piece : split_for_streaming(entry.text)) out.emplace_back(content_delta{piece});
      out.emplace_back(usage_report{kScriptedUsage});
      out.emplace_back(finish_seen{"stop"});
      out.emplace_back(stream_complete{});
      break;
    case script_entry::kind::tool_call:
      out.emplace_back(tool_call_start{0, entry.id, entry.name});
      out.emplace_back(tool_arguments_delta{0, entry.arguments});
      out.emplace_back(usage_report{kScriptedUsage});
      out.emplace_back(finish_seen{"tool_calls"});
      out.emplace_back(stream_complete{});
      break;
    case script_entry::kind::failure:
      out.emplace_back(stream_failed{entry.text});
      break;
  }
  return out;
}

scripted_provider::scripted_provider(std::vector<script_entry> script)
    : script_(script.begin(), script.end()) {}

std::vector<stream_event> scripted_provider::next_events(const chat_request& request) {
  std::optional<script_entry> entry;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (!script_.empty()) {
      entry = std::move(script_.front());
      script_.pop_front();
    }
  }
  return entry ? script_events(*entry) : drained_events();
}

std::shared_ptr<stream_handle> scripted_provider::stream(const chat_request& request,
                                                         stream_sink sink) {
  for (auto& e : next_events(request)) sink(std::move(e));
  return std::make_shared<completed_handle>();
}

std::shared_ptr<stream_handle> scripted_provider::stream_batches(const chat_request& request,
                                                                 const call_options&,
                                                                 stream_batch_sink sink) {
  sink(next_events(request));
  return std::make_shared<completed_handle>();
}

void scripted_provider::push(script_entry e) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(e));
}

std::vector<chat_request> scripted_provider::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::size_t scripted_provider::remaining() const {
  std::lock_guard lock(mu_);
  return script_.size();
}

}  // namespace so::adapters::llm
