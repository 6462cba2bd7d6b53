// adapters/tools/chained_tool_provider.hpp — several tool providers as one (later-protocol.md
// §7.5): asks each in order and concatenates their lists, so a later provider's tool of the
// same name replaces an earlier one when the turn registers them.
// Thread-safety: immutable; tools_for is as thread-safe as the chained providers.
#pragma once

#include "adapters/tools/tool.hpp"

#include <utility>
#include <vector>

namespace so::adapters::tools {

class chained_tool_provider final : public tool_provider {
 public:
  explicit chained_tool_provider(std::vector<tool_provider_ptr> providers)
      : providers_(std::move(providers)) {}

  std::vector<tool_ptr> tools_for(const tool_context& ctx) override {
    std::vector<tool_ptr> out;
    for (const auto& p : providers_)
      if (p)
        for (auto& t : p->tools_for(ctx)) out.push_back(std::move(t));
    return out;
  }

 private:
  std::vector<tool_provider_ptr> providers_;
};

}  // namespace so::adapters::tools
