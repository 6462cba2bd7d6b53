// adapters/tools/fixed_result_tool.hpp — a tool that always returns the same text.
//
// Backs scenario `server.tools` entries and tools-file entries that carry a
// `result`: the arguments are ignored and `result` is returned as a success.
// Thread-safety: immutable after construction; `invoke` completes synchronously
// on the caller's thread and may be called concurrently.
#pragma once

#include "adapters/tools/tool.hpp"

#include <string>

namespace so::adapters::tools {

class fixed_result_tool final : public tool {
 public:
  /// `parameters_json` must be a JSON object; the default offers no parameters.
  fixed_result_tool(std::string name, std::string result, std::string description = "",
                    std::string parameters_json = R"({"type":"object","properties":{}})");

  const llm::tool_spec& spec() const override { return spec_; }
  void invoke(const std::string& arguments_json, const tool_context& ctx, tool_done done) override;

 private:
  llm::tool_spec spec_;
  std::string result_;
};

}  // namespace so::adapters::tools
