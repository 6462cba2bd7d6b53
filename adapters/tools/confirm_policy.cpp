// adapters/tools/confirm_policy.cpp — see confirm_policy.hpp.
#include "adapters/tools/confirm_policy.hpp"

namespace so::adapters::tools {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

}  // namespace

confirm_policy::confirm_policy(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    auto t = trim(p);
    if (!t.empty()) patterns_.emplace_back(t);
  }
}

confirm_policy confirm_policy::from_comma_list(std::string_view list) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    parts.emplace_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return confirm_policy(parts);
}

bool confirm_policy::requires_confirmation(std::string_view tool_name) const {
  for (const auto& p : patterns_) {
    if (tool_name.find(p) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace so::adapters::tools
