// adapters/llm/xml_tool_call_recovery.cpp — see xml_tool_call_recovery.hpp.
#include "adapters/llm/xml_tool_call_recovery.hpp"

#include "protocol/json.hpp"

#include <string>

namespace so::adapters::llm {
namespace {

constexpr std::string_view kFunction = "<function=";
constexpr std::string_view kFunctionEnd = "</function>";
constexpr std::string_view kParameter = "<parameter=";
constexpr std::string_view kParameterEnd = "</parameter>";
constexpr std::string_view kToolCall = "<tool_call>";
constexpr std::string_view kToolCallEnd = "</tool_call>";

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Position of the first of `a` or `b` at/after `from` (npos when neither occurs).
std::size_t find_first(std::string_view s, std::string_view a, std::string_view b,
                       std::size_t from) {
  const std::size_t x = s.find(a, from);
  const std::size_t y = s.find(b, from);
  return x < y ? x : y;
}

// `<parameter=KEY> value` pairs of one function body → compact JSON object text.
std::string parameters_json(std::string_view body) {
  rapidjson::Document args(rapidjson::kObjectType);
  auto& alloc = args.GetAllocator();
  for (std::size_t pos = body.find(kParameter); pos != std::string_view::npos;) {
    const std::size_t key_begin = pos + kParameter.size();
    const std::size_t key_end = body.find('>', key_begin);
    if (key_end == std::string_view::npos) break;
    const std::string_view key = trim(body.substr(key_begin, key_end - key_begin));
    const std::size_t value_end = find_first(body, kParameterEnd, kParameter, key_end + 1);
    const std::string_view value = trim(body.substr(key_end + 1, value_end == std::string_view::npos
                                                                     ? std::string_view::npos
                                                                     : value_end - key_end - 1));
    rapidjson::Value v;
    rapidjson::Document parsed;
    if (!value.empty() && protocol::parse_untrusted(parsed, value).ok) {
      v.CopyFrom(parsed, alloc);
    } else {
      v.SetString(value.data(), static_cast<rapidjson::SizeType>(value.size()), alloc);
    }
    rapidjson::Value k(key.data(), static_cast<rapidjson::SizeType>(key.size()), alloc);
    args.RemoveMember(k);  // a repeated key keeps its last value
    args.AddMember(k, v, alloc);
    pos = value_end == std::string_view::npos ? value_end : body.find(kParameter, value_end);
  }
  return protocol::to_compact_json(args);
}

void recover_function_form(std::string_view content, std::vector<tool_call>& out) {
  for (std::size_t pos = content.find(kFunction); pos != std::string_view::npos;) {
    const std::size_t name_begin = pos + kFunction.size();
    const std::size_t name_end = content.find('>', name_begin);
    if (name_end == std::string_view::npos) break;
    const std::size_t body_end = find_first(content, kFunctionEnd, kFunction, name_end + 1);
    const std::string_view body =
        content.substr(name_end + 1, body_end == std::string_view::npos ? std::string_view::npos
                                                                        : body_end - name_end - 1);
    const std::string_view name = trim(content.substr(name_begin, name_end - name_begin));
    if (!name.empty()) out.push_back(tool_call{"", std::string(name), parameters_json(body)});
    pos = body_end == std::string_view::npos ? body_end : content.find(kFunction, body_end);
  }
}

// `arguments` of a JSON-form call: an object, or a string holding JSON.
std::string json_form_arguments(const rapidjson::Value* args) {
  if (args == nullptr) return "{}";
  if (args->IsString()) {
    rapidjson::Document inner;
    const std::string_view text(args->GetString(), args->GetStringLength());
    if (protocol::parse_untrusted(inner, text).ok) return protocol::to_compact_json(inner);
    return "{}";
  }
  if (args->IsNull()) return "{}";
  return protocol::to_compact_json(*args);
}

void recover_json_form(std::string_view content, std::vector<tool_call>& out) {
  for (std::size_t pos = content.find(kToolCall); pos != std::string_view::npos;) {
    const std::size_t begin = pos + kToolCall.size();
    const std::size_t end = content.find(kToolCallEnd, begin);
    if (end == std::string_view::npos) break;
    rapidjson::Document doc;
    if (protocol::parse_untrusted(doc, trim(content.substr(begin, end - begin))).ok &&
        doc.IsObject()) {
      const auto name = protocol::get_string(doc, "name");
      if (name && !name->empty()) {
        out.push_back(
            tool_call{"", *name, json_form_arguments(protocol::get_member(doc, "arguments"))});
      }
    }
    pos = content.find(kToolCall, end + kToolCallEnd.size());
  }
}

}  // namespace

bool has_xml_tool_calls(std::string_view content) {
  return content.find(kFunction) != std::string_view::npos ||
         (content.find(kToolCall) != std::string_view::npos &&
          content.find(kToolCallEnd) != std::string_view::npos);
}

std::vector<tool_call> recover_xml_tool_calls(std::string_view content) {
  std::vector<tool_call> out;
  if (content.find(kFunction) != std::string_view::npos) {
    recover_function_form(content, out);
  } else {
    recover_json_form(content, out);
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].id = "xml_recovered_" + std::to_string(i + 1);
  return out;
}

}  // namespace so::adapters::llm
