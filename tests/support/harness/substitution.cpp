// tests/support/harness/substitution.cpp — see substitution.hpp.
#include "tests/support/harness/substitution.hpp"

namespace so::test {
namespace {

// Replaces `value` when it is a placeholder string. Returns an error message for
// an unknown variable.
std::optional<std::string> replace_if_placeholder(rapidjson::Value& value,
                                                  rapidjson::Document::AllocatorType& allocator,
                                                  const variables& vars) {
  if (!value.IsString()) return std::nullopt;
  const auto name = placeholder_name({value.GetString(), value.GetStringLength()});
  if (!name) return std::nullopt;
  const auto it = vars.find(*name);
  if (it == vars.end()) {
    return "placeholder \"{{" + std::string(*name) +
           "}}\" names a variable that was never captured";
  }
  rapidjson::Document parsed;
  parsed.Parse(it->second.c_str(), it->second.size());
  value.CopyFrom(parsed, allocator);
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> placeholder_name(std::string_view text) {
  if (text.size() < 4 || text.substr(0, 2) != "{{" || text.substr(text.size() - 2) != "}}") {
    return std::nullopt;
  }
  return text.substr(2, text.size() - 4);
}

std::optional<std::string> substitute(rapidjson::Value& value,
                                      rapidjson::Document::AllocatorType& allocator,
                                      const variables& vars) {
  if (value.IsString()) return replace_if_placeholder(value, allocator, vars);
  if (!value.IsObject()) return std::nullopt;  // arrays are deliberately not walked
  for (auto& member : value.GetObject()) {
    if (auto error = substitute(member.value, allocator, vars)) return error;
  }
  return std::nullopt;
}

}  // namespace so::test
