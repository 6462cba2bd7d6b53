// adapters/tools/tool_registry.hpp — name → tool, in registration order.
//
// Registering an existing name replaces it in place (engine.md §1.7). Built at
// boot (or per turn) and then only read: const members are thread-safe.
#pragma once

#include "adapters/tools/tool.hpp"

#include <string_view>
#include <vector>

namespace so::adapters::tools {

class tool_registry {
 public:
  void add(tool_ptr t);
  /// nullptr when unknown.
  tool_ptr find(std::string_view name) const;
  /// Specs offered to the model, in registration order.
  std::vector<llm::tool_spec> specs() const;
  const std::vector<tool_ptr>& all() const { return tools_; }

 private:
  std::vector<tool_ptr> tools_;
};

}  // namespace so::adapters::tools
