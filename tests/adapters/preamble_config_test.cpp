// tests/adapters/preamble_config_test.cpp — SMOOTH_AGENT_PREAMBLE_MODEL (later-protocol.md §9):
// unset or blank means no preamble; a value is trimmed.
#include "adapters/config/server_config.hpp"

#include <catch2/catch.hpp>

#include <map>

using so::adapters::load_config;

namespace {

so::adapters::server_config with(std::map<std::string, std::string> vars) {
  return load_config([vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

}  // namespace

TEST_CASE("config: SMOOTH_AGENT_PREAMBLE_MODEL is off unless set, and trimmed", "[config]") {
  CHECK(with({}).preamble_model.empty());
  CHECK(with({{"SMOOTH_AGENT_PREAMBLE_MODEL", "   "}}).preamble_model.empty());
  CHECK(with({{"SMOOTH_AGENT_PREAMBLE_MODEL", "  groq-llama-fast \n"}}).preamble_model ==
        "groq-llama-fast");
}
