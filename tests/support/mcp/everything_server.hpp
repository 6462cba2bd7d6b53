// tests/support/mcp/everything_server.hpp — where the tests find the real MCP server
// `@modelcontextprotocol/server-everything` that scripts/setup installs with npm.
//
// SMOOTH_AGENT_TEST_MCP_EVERYTHING names its entry script (dist/index.js); unset, the
// default is the project-local install `<repo>/.cache/npm/node_modules/...`. Without node
// or the script a test prints one skip line, and FAILS when CI=true (like the PG tests).
// Thread-safety: pure functions.
#pragma once

#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace so::test::mcp {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// The `node` executable on PATH, or nullopt.
inline std::optional<std::string> node_binary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = dirs.find(':', start);
    const auto dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto candidate = (dir.empty() ? std::string(".") : dir) + "/node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

/// dist/index.js of server-everything, or nullopt when not installed.
inline std::optional<std::string> everything_script() {
  std::string path;
  if (const char* v = std::getenv("SMOOTH_AGENT_TEST_MCP_EVERYTHING"); v != nullptr && *v != '\0')
    path = v;
  else
    path = std::string(SO_TESTS_DIR) +
           "/../.cache/npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
  if (!std::filesystem::exists(path)) return std::nullopt;
  return std::filesystem::canonical(path).string();
}

struct everything {
  std::string node;
  std::string script;
};

/// Node and the script, or nullopt after printing why the test is skipped (FAIL in CI).
inline std::optional<everything> everything_or_skip() {
  auto node = node_binary();
  auto script = everything_script();
  if (node && script) return everything{*node, *script};
  const std::string why = !node ? "node is not on PATH"
                                : "@modelcontextprotocol/server-everything is not installed "
                                  "(run scripts/setup, or set SMOOTH_AGENT_TEST_MCP_EVERYTHING)";
  if (in_ci()) FAIL("CI=true but " << why);
  WARN("skipped: " << why);
  return std::nullopt;
}

}  // namespace so::test::mcp
