// adapters/llm/sse_decoder.cpp — see sse_decoder.hpp.
#include "adapters/llm/sse_decoder.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <rapidjson/allocators.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace so::adapters::llm {
namespace {

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  const rapidjson::Value* v = protocol::get_member(obj, key);
  return (v == nullptr || v->IsNull()) ? nullptr : v;
}

std::string_view string_member(const rapidjson::Value& obj, const char* key) {
  const rapidjson::Value* v = member(obj, key);
  if (v == nullptr || !v->IsString()) return {};
  return {v->GetString(), v->GetStringLength()};
}

// Lenient count: any non-negative number (providers differ on int vs float).
std::optional<std::uint64_t> count_member(const rapidjson::Value& obj, const char* key) {
  const rapidjson::Value* v = member(obj, key);
  if (v == nullptr) return std::nullopt;
  if (v->IsUint64()) return v->GetUint64();
  if (v->IsNumber() && v->GetDouble() >= 0) return static_cast<std::uint64_t>(v->GetDouble());
  return std::nullopt;
}

void decode_tool_calls(const rapidjson::Value& calls, std::vector<stream_event>& out) {
  if (!calls.IsArray()) return;
  for (const auto& call : calls.GetArray()) {
    if (!call.IsObject()) continue;
    const std::size_t index = count_member(call, "index").value_or(0);
    const rapidjson::Value* fn = member(call, "function");
    if (fn == nullptr || !fn->IsObject()) continue;
    // An empty name counts as absent: some gateways repeat `"name": ""` on
    // continuation chunks, and a start would wipe the arguments gathered so far.
    const std::string_view name = string_member(*fn, "name");
    if (!name.empty()) {
      std::string id(string_member(call, "id"));
      if (id.empty()) id = "call_" + std::to_string(index);
      out.emplace_back(tool_call_start{index, std::move(id), std::string(name)});
    }
    const std::string_view args = string_member(*fn, "arguments");
    if (!args.empty()) out.emplace_back(tool_arguments_delta{index, std::string(args)});
  }
}

void decode_chunk(const rapidjson::Value& chunk, std::vector<stream_event>& out) {
  if (const rapidjson::Value* choices = member(chunk, "choices");
      choices != nullptr && choices->IsArray()) {
    for (const auto& choice : choices->GetArray()) {
      if (!choice.IsObject()) continue;
      if (const rapidjson::Value* delta = member(choice, "delta");
          delta != nullptr && delta->IsObject()) {
        if (auto s = string_member(*delta, "content"); !s.empty())
          out.emplace_back(content_delta{std::string(s)});
        if (auto s = string_member(*delta, "reasoning_content"); !s.empty())
          out.emplace_back(reasoning_delta{std::string(s)});
        if (auto s = string_member(*delta, "reasoning"); !s.empty())
          out.emplace_back(reasoning_delta{std::string(s)});
        if (const rapidjson::Value* calls = member(*delta, "tool_calls"))
          decode_tool_calls(*calls, out);
      }
      if (auto reason = string_member(choice, "finish_reason"); !reason.empty())
        out.emplace_back(finish_seen{std::string(reason)});
    }
  }
  if (const rapidjson::Value* usage = member(chunk, "usage");
      usage != nullptr && usage->IsObject()) {
    const auto prompt = count_member(*usage, "prompt_tokens");
    const auto completion = count_member(*usage, "completion_tokens");
    const auto total = count_member(*usage, "total_tokens");
    if (prompt || completion || total) {
      token_usage u;
      u.prompt_tokens = prompt.value_or(0);
      u.completion_tokens = completion.value_or(0);
      u.total_tokens = total.value_or(u.prompt_tokens + u.completion_tokens);
      out.emplace_back(usage_report{u});
    }
  }
}

constexpr std::string_view kData = "data:";
// A line buffer grown by one huge line is given back rather than kept for the stream.
constexpr std::size_t kKeptLineCapacity = 64 * 1024;

// The payload of a `data:` line, or nullopt for blank, ':' comment, 'event:' and
// other fields.
std::optional<std::string_view> data_payload(std::string_view raw) {
  const std::string_view line = trim(raw);
  if (line.substr(0, kData.size()) != kData) return std::nullopt;
  return trim(line.substr(kData.size()));
}

}  // namespace

class sse_decoder::line_parser {
 public:
  line_parser() = default;
  line_parser(const line_parser&) = delete;
  line_parser& operator=(const line_parser&) = delete;

  void decode(std::string_view payload, std::vector<stream_event>& out) {
    if (payload == "[DONE]") {
      out.emplace_back(finish_seen{"stop"});
      return;
    }
    if (payload.empty()) return;
    // Invalid bytes become U+FFFD (engine.md §2.5): one bad byte costs one character,
    // not the whole chunk.
    std::string_view text = payload;
    if (!protocol::is_valid_utf8(payload)) {
      repaired_.clear();
      protocol::append_repaired_utf8(repaired_, payload);
      text = repaired_;
    }
    doc_.reset();  // frees overflow chunks of a big line, keeps the buffers
    protocol::json_limits limits;
    limits.utf8_checked = true;  // checked (or repaired) just above
    if (const auto r = protocol::parse_untrusted(doc_, text, limits); !r.ok) {
      constexpr std::size_t kShown = 200;
      spdlog::warn("LLM stream: skipping malformed SSE data line ({}): {}", r.error,
                   text.substr(0, kShown));
      return;
    }
    if (doc_.value().IsObject()) decode_chunk(doc_.value(), out);
  }

 private:
  // A chunk line's DOM (ids, a few short strings) and the parser's stack fit the
  // document's buffers, so a line costs no heap allocation (a 1 KiB stack allocation
  // per line made glibc consolidate its free lists on every token: docs/benchmarks.md).
  protocol::frame_document doc_;
  std::string repaired_;
};

std::vector<stream_event> decode_sse_line(std::string_view raw) {
  std::vector<stream_event> out;
  if (const auto payload = data_payload(raw)) sse_decoder::line_parser().decode(*payload, out);
  return out;
}

sse_decoder::sse_decoder() = default;
sse_decoder::~sse_decoder() = default;
sse_decoder::sse_decoder(sse_decoder&&) noexcept = default;
sse_decoder& sse_decoder::operator=(sse_decoder&&) noexcept = default;

void sse_decoder::reset() {
  pending_.clear();
  saw_finish_ = false;
}

void sse_decoder::decode_into(std::string_view line, std::vector<stream_event>& out) {
  const auto payload = data_payload(line);
  if (!payload) return;
  if (!parser_) parser_ = std::make_unique<line_parser>();
  const std::size_t first = out.size();
  parser_->decode(*payload, out);
  for (std::size_t i = first; i < out.size(); ++i) {
    if (std::holds_alternative<finish_seen>(out[i])) saw_finish_ = true;
  }
}

void sse_decoder::feed(std::string_view bytes, std::vector<stream_event>& out) {
  // Whole lines are decoded straight from `bytes`; only the unfinished tail of a
  // read is kept, to be completed by the next one.
  for (std::size_t nl; (nl = bytes.find('\n')) != std::string_view::npos;
       bytes.remove_prefix(nl + 1)) {
    if (pending_.empty()) {
      decode_into(bytes.substr(0, nl), out);
    } else {
      pending_.append(bytes.substr(0, nl));
      decode_into(pending_, out);
      pending_.clear();
      if (pending_.capacity() > kKeptLineCapacity) std::string().swap(pending_);
    }
  }
  pending_.append(bytes);
}

std::vector<stream_event> sse_decoder::feed(std::string_view bytes) {
  std::vector<stream_event> out;
  feed(bytes, out);
  return out;
}

void sse_decoder::finish(std::vector<stream_event>& out) {
  if (!pending_.empty()) decode_into(pending_, out);
  pending_.clear();
}

std::vector<stream_event> sse_decoder::finish() {
  std::vector<stream_event> out;
  finish(out);
  return out;
}

}  // namespace so::adapters::llm
