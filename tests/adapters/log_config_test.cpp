// tests/adapters/log_config_test.cpp — SMOOTH_AGENT_LOG_FORMAT and SMOOTH_AGENT_LOG_LEVEL
// as load_config reads them.
#include "adapters/config/server_config.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace so::adapters;

namespace {

server_config load_with(std::map<std::string, std::string> vars) {
  return load_config([vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

}  // namespace

TEST_CASE("log config: format text by default, json on request, anything else refused",
          "[config][logging]") {
  CHECK(load_with({}).log_format == "text");
  CHECK(load_with({{"SMOOTH_AGENT_LOG_FORMAT", "json"}}).log_format == "json");
  CHECK(load_with({{"SMOOTH_AGENT_LOG_FORMAT", "JSON"}}).log_format == "json");
  CHECK(load_with({{"SMOOTH_AGENT_LOG_FORMAT", "Text"}}).log_format == "text");
  CHECK_THROWS_AS(load_with({{"SMOOTH_AGENT_LOG_FORMAT", "xml"}}), config_error);
  CHECK(load_with({{"SMOOTH_AGENT_LOG_FORMAT", " "}}).log_format == "text");  // blank = unset
  CHECK(load_with({{"SMOOTH_AGENT_LOG_LEVEL", "off"}}).log_level == "off");
  CHECK_THROWS_AS(load_with({{"SMOOTH_AGENT_LOG_LEVEL", "loud"}}), config_error);
}
