#include "adapters/tools/interaction_tools.hpp"

#include "adapters/llm/chat_request_json.hpp"

namespace so::adapters::tools {

namespace ix = protocol::interactions;

interaction_tool::interaction_tool(std::optional<ix::kind> kind) : kind_(kind) {
  const auto d = kind ? ix::raise_tool_description(*kind) : ix::submit_tool_description();
  spec_.name = std::string(d.name);
  spec_.description = std::string(d.description);
  spec_.parameters_json = std::string(d.parameters_json);
  spec_ = llm::with_compact_parameters(std::move(spec_));
}

void interaction_tool::invoke(const std::string& arguments_json, const tool_context&,
                              tool_done done) {
  if (!kind_) {
    auto r = ix::run_conversational_submit(arguments_json, {});
    return done({std::move(r.text), r.is_error, {}});
  }
  auto parsed = ix::parse_raise(*kind_, arguments_json);
  if (!parsed.request) return done(tool_outcome::failure(parsed.error));
  done(tool_outcome::ok(
      ix::fallback_result(*kind_, parsed.request->spec_json, parsed.request->reason)));
}

std::vector<tool_ptr> interaction_tools_for(const std::vector<std::string>& supports) {
  // Built once (immutable afterwards, thread-safe initialization): every turn offers
  // the same objects instead of copying the long descriptions and schemas per turn.
  static const std::vector<tool_ptr> raise_tools = [] {
    std::vector<tool_ptr> v;
    for (const auto& k : ix::catalog) v.push_back(std::make_shared<interaction_tool>(k.id));
    return v;
  }();
  static const tool_ptr submit_tool = std::make_shared<interaction_tool>(std::nullopt);
  std::vector<tool_ptr> out = raise_tools;
  for (const auto& k : ix::catalog)
    if (!ix::renders(supports, k.id)) {
      out.push_back(submit_tool);
      break;
    }
  return out;
}

}  // namespace so::adapters::tools
