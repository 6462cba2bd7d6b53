// adapters/tools/confirm_policy.hpp — which tool calls need the user's confirmation (engine.md
// §5.1–5.2).
//
// Built from SMOOTH_AGENT_CONFIRM_TOOLS (comma-separated) or a scenario's
// `confirmTools`: each pattern is trimmed and blanks are dropped. A call is
// gated when its tool name contains any pattern (case-sensitive substring).
// Thread-safety: immutable after construction; const members are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::tools {

class confirm_policy {
 public:
  confirm_policy() = default;
  explicit confirm_policy(const std::vector<std::string>& patterns);

  /// Splits a comma-separated list (the environment variable's format).
  static confirm_policy from_comma_list(std::string_view list);

  bool requires_confirmation(std::string_view tool_name) const;
  /// No patterns: nothing ever parks and no confirmation hook is installed.
  bool empty() const { return patterns_.empty(); }
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

}  // namespace so::adapters::tools
