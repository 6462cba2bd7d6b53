// tests/adapters/postgres_config_test.cpp — SMOOTH_AGENT_DATABASE_URL / DATABASE_URL
// precedence (storage-backplane.md §4.1: the first one SET wins, even when empty) and
// the startup errors that replace a silent fallback.
#include "adapters/config/server_config.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace so::adapters;

namespace {

server_config load_env(std::map<std::string, std::string> vars) {
  return load_config([vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

}  // namespace

TEST_CASE("config: a set but empty SMOOTH_AGENT_DATABASE_URL wins over DATABASE_URL",
          "[config][postgres]") {
  // With postgres selected: a startup error naming the empty variable, never DATABASE_URL.
  CHECK_THROWS_WITH(load_env({{"SMOOTH_AGENT_STORAGE", "postgres"},
                              {"SMOOTH_AGENT_DATABASE_URL", ""},
                              {"DATABASE_URL", "postgresql://elsewhere/db"}}),
                    Catch::Matchers::Contains("SMOOTH_AGENT_DATABASE_URL is empty"));
  CHECK_THROWS_WITH(load_env({{"SMOOTH_AGENT_STORAGE", "postgres"}, {"DATABASE_URL", " "}}),
                    Catch::Matchers::Contains("DATABASE_URL is empty"));
  // Memory storage ignores the URL, and an empty one is no error.
  CHECK_FALSE(load_env({{"SMOOTH_AGENT_DATABASE_URL", ""}, {"DATABASE_URL", "x"}}).database_url);
  // The key=value form is accepted verbatim too.
  CHECK(load_env({{"SMOOTH_AGENT_STORAGE", "pg"}, {"DATABASE_URL", "host=/tmp dbname=x"}})
            .database_url == std::optional<std::string>("host=/tmp dbname=x"));
}
