// adapters/tools/tool_registry.cpp — see tool_registry.hpp.
#include "adapters/tools/tool_registry.hpp"

#include <algorithm>

namespace so::adapters::tools {

void tool_registry::add(tool_ptr t) {
  if (!t) return;
  const auto& name = t->spec().name;
  auto it = std::find_if(tools_.begin(), tools_.end(),
                         [&](const tool_ptr& existing) { return existing->spec().name == name; });
  // Replacing in place keeps the original registration order (engine.md §1.7).
  if (it != tools_.end()) {
    *it = std::move(t);
  } else {
    tools_.push_back(std::move(t));
  }
}

tool_ptr tool_registry::find(std::string_view name) const {
  for (const auto& t : tools_) {
    if (t->spec().name == name) return t;
  }
  return nullptr;
}

std::vector<llm::tool_spec> tool_registry::specs() const {
  std::vector<llm::tool_spec> out;
  out.reserve(tools_.size());
  for (const auto& t : tools_) out.push_back(t->spec());
  return out;
}

}  // namespace so::adapters::tools
