// adapters/tools/interaction_tools.hpp — the model-facing Rich Interaction tools
// (later-protocol.md §1.3, §1.4, §1.12): one raise tool per kind and the generic
// `submit_interaction` of the conversational fallback.
//
// A turn recognizes these (by type: a host tool of the same name replaces them and is
// then an ordinary tool) and runs them itself, because a raise may park the turn and
// the generic submit reads the turn's per-turn stash (actors/turn_actor.cpp). Called
// directly, `invoke` is the stateless fallback behaviour: a raise answers with its
// conversational directive, the generic submit validates in format-only mode (with no
// side effect).
// Thread-safety: immutable after construction; `invoke` completes synchronously on
// the caller's thread and may be called concurrently.
#pragma once

#include "adapters/tools/tool.hpp"
#include "protocol/interactions.hpp"

#include <optional>

namespace so::adapters::tools {

class interaction_tool final : public tool {
 public:
  /// A raise tool for `kind`, or (nullopt) the generic `submit_interaction`.
  explicit interaction_tool(std::optional<protocol::interactions::kind> kind);

  const llm::tool_spec& spec() const override { return spec_; }
  void invoke(const std::string& arguments_json, const tool_context& ctx, tool_done done) override;

  /// The kind this tool raises; nullopt for the generic submit tool.
  const std::optional<protocol::interactions::kind>& raises() const { return kind_; }

 private:
  std::optional<protocol::interactions::kind> kind_;
  llm::tool_spec spec_;
};

/// The tools a turn offers (§1.3): every raise tool in catalog order, then the generic
/// submit tool when at least one kind is not rendered by `supports`.
std::vector<tool_ptr> interaction_tools_for(const std::vector<std::string>& supports);

}  // namespace so::adapters::tools
