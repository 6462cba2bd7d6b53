// tests/support/harness/test_server.hpp — an in-process server booted for one test or scenario.
//
// Boots `so::net::server` in its local flavour (in-memory storage and
// backplane, auth off, permissive widget auth, no seeded knowledge) on
// 127.0.0.1:0, with the test seams of protocol.md §6.5: a deterministic mock
// LLM, extra tools, knowledge documents and confirmation patterns. The mock
// runs in one of two modes so every scenario also exercises the real gateway
// client: `in_process` installs a `scripted_provider` as `llm_override`;
// `gateway` starts a `fake_gateway` streaming the same script as SSE and points
// `gateway_url`/`gateway_key` at it (no override).
// Thread-safety: construct and destroy on one thread; `port`, `ws_url` and
// `connect` may be called from any thread. The server is shut down before the
// fake gateway goes away.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/llm/scripted_provider.hpp"
#include "adapters/tools/tool.hpp"
#include "net/server.hpp"
#include "tests/support/harness/scenario.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/ws_client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::test {

enum class llm_mode { in_process, gateway };

/// "in_process" / "gateway".
std::string_view to_string(llm_mode mode);

struct test_server_options {
  llm_mode mode = llm_mode::in_process;
  std::vector<adapters::llm::script_entry> script;  ///< the mock's FIFO
  std::vector<adapters::tools::tool_ptr> extra_tools;
  std::vector<adapters::document> knowledge;
  std::vector<std::string> confirm_tools;  ///< substring patterns (server.confirmTools)
  /// Overrides the 300 s confirmation timeout so timeout paths are testable.
  std::optional<std::chrono::milliseconds> confirm_timeout;
  /// Last tweaks of the server options (clock, storage, config…), applied after
  /// everything above.
  std::function<void(net::server_options&)> customize;
};

/// The options a scenario's directives ask for. Throws scenario_error naming the
/// scenario when its script, tools or knowledge payload is invalid.
test_server_options options_for(const scenario& s, llm_mode mode);

class test_server {
 public:
  /// Boots and starts listening; throws what the server (or gateway) throws.
  explicit test_server(test_server_options options);
  ~test_server();

  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::uint16_t port() const;
  /// "ws://127.0.0.1:<port>/ws"
  std::string ws_url() const;
  llm_mode mode() const { return mode_; }

  /// The running server (stats, publish, shutdown).
  net::server& server() { return *server_; }
  /// The in-process mock (in_process mode), else nullptr.
  const std::shared_ptr<adapters::llm::scripted_provider>& provider() const { return provider_; }
  /// The fake gateway (gateway mode), else nullptr.
  fake_gateway* gateway() { return gateway_.get(); }

  /// A client connected to /ws. `options.host`/`options.port` are filled in;
  /// the target, headers and timeout are kept (default: no token, no Origin).
  ws_client connect(ws_connect_options options = {}) const;

 private:
  llm_mode mode_;
  // Declaration order matters: the server (destroyed first) talks to the gateway.
  std::unique_ptr<fake_gateway> gateway_;
  std::shared_ptr<adapters::llm::scripted_provider> provider_;
  std::unique_ptr<net::server> server_;
};

}  // namespace so::test
