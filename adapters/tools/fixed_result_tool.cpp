// adapters/tools/fixed_result_tool.cpp — see fixed_result_tool.hpp.
#include "adapters/tools/fixed_result_tool.hpp"

#include "adapters/llm/chat_request_json.hpp"

#include <utility>

namespace so::adapters::tools {

fixed_result_tool::fixed_result_tool(std::string name, std::string result, std::string description,
                                     std::string parameters_json)
    : spec_(llm::with_compact_parameters(
          {std::move(name), std::move(description), std::move(parameters_json)})),
      result_(std::move(result)) {}

void fixed_result_tool::invoke(const std::string& /*arguments_json*/, const tool_context& /*ctx*/,
                               tool_done done) {
  done(tool_outcome::ok(result_));
}

}  // namespace so::adapters::tools
