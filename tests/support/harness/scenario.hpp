// tests/support/harness/scenario.hpp — one conformance scenario file (protocol.md §6.2).
//
// Loads `name`, `description`, `mockLlmScript`, `server.{tools, confirmTools,
// knowledge}` and `steps[{send, expect[]}]`; every other key (knownDivergences,
// …) is ignored, as every reference runner does. Directive payloads (script,
// tools, knowledge) stay raw JSON text here: the test server hands them to the
// adapters' own parsers, so the harness and production parse them the same way.
// A malformed file throws `scenario_error` whose message names the file.
// Thread-safety: a loaded scenario is an immutable value, shareable read-only.
#pragma once

#include "tests/support/harness/matcher.hpp"

#include <rapidjson/document.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace so::test {

struct scenario_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct scenario_step {
  std::shared_ptr<const rapidjson::Document> send;  ///< one inbound frame (a JSON object)
  std::vector<matcher> expect;
};

struct scenario {
  std::string label;  ///< where it came from (file path), for messages
  std::string name;   ///< `name`, else the file stem
  std::string description;
  std::string mock_llm_script_json = "[]";  ///< `mockLlmScript`, compact JSON array
  std::string tools_json;                   ///< `server.tools`, compact JSON array; "" if absent
  std::vector<std::string> confirm_tools;   ///< `server.confirmTools`
  std::string knowledge_json;  ///< `server.knowledge`, compact JSON array; "" if absent
  std::vector<scenario_step> steps;
};

/// Parses scenario JSON text. `label` names the source in every error message.
scenario parse_scenario(std::string_view json_text, const std::string& label);

/// Reads and parses a scenario file; the default name is the file stem.
scenario load_scenario(const std::filesystem::path& file);

/// Every `*.json` directly inside `dir`, sorted by file name; empty when `dir`
/// does not exist.
std::vector<std::filesystem::path> list_scenario_files(const std::filesystem::path& dir);

}  // namespace so::test
