// tests/support/harness/scenario_runner.cpp — see scenario_runner.hpp.
#include "tests/support/harness/scenario_runner.hpp"

#include "tests/support/harness/json_path.hpp"
#include "tests/support/harness/substitution.hpp"

#include <exception>

namespace so::test {
namespace {

std::string step_label(std::size_t index, const rapidjson::Value& frame) {
  std::string action = "?";
  const auto it = frame.FindMember("action");
  if (it != frame.MemberEnd() && it->value.IsString()) action = it->value.GetString();
  return "step " + std::to_string(index) + " (" + action + ")";
}

}  // namespace

scenario_result run_steps(const scenario& s, frame_channel& channel,
                          std::chrono::milliseconds event_timeout) {
  variables vars;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const scenario_step& step = s.steps[i];
    const std::string label = step_label(i, *step.send);

    rapidjson::Document frame;
    frame.CopyFrom(*step.send, frame.GetAllocator());
    if (auto error = substitute(frame, frame.GetAllocator(), vars)) {
      return {false, label + ": " + *error};
    }
    const std::string text = to_json(frame);
    try {
      channel.send_text(text);
    } catch (const std::exception& e) {
      return {false, label + ": sending " + text + " failed: " + e.what()};
    }
    if (auto failure = match_step(step.expect, channel, vars, event_timeout)) {
      return {false, label + " sent " + text + "\n  " + *failure};
    }
  }
  return {true, {}};
}

}  // namespace so::test
