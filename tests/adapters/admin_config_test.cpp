// The admin API's configuration (adapters/config/server_config.hpp, issue 8 block):
// SMOOTH_AGENT_MAX_HTTP_BODY_BYTES default, parse and refusal naming the variable.
#include "adapters/config/server_config.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace so::adapters;

namespace {

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("config: SMOOTH_AGENT_MAX_HTTP_BODY_BYTES", "[config][admin]") {
  CHECK(load_config(env_of({})).max_http_body_bytes == 1048576);
  CHECK(load_config(env_of({{"SMOOTH_AGENT_MAX_HTTP_BODY_BYTES", "4096"}})).max_http_body_bytes ==
        4096);
  for (const char* bad : {"10", "abc", "-5", "1.5"}) {
    INFO(bad);
    try {
      load_config(env_of({{"SMOOTH_AGENT_MAX_HTTP_BODY_BYTES", bad}}));
      FAIL("accepted " << bad);
    } catch (const config_error& e) {
      CHECK(std::string(e.what()).find("SMOOTH_AGENT_MAX_HTTP_BODY_BYTES") != std::string::npos);
    }
  }
}
