// tests/support/harness/test_server.cpp — see test_server.hpp.
#include "tests/support/harness/test_server.hpp"

#include "adapters/knowledge/knowledge_file.hpp"
#include "adapters/tools/tools_file.hpp"

#include <stdexcept>

namespace so::test {

std::string_view to_string(llm_mode mode) {
  return mode == llm_mode::in_process ? "in_process" : "gateway";
}

test_server_options options_for(const scenario& s, llm_mode mode) {
  test_server_options out;
  out.mode = mode;
  // The adapters' own parsers, so a scenario is read exactly as production reads
  // a tools or knowledge file; their errors are re-labelled with the scenario.
  try {
    out.script = adapters::llm::parse_script(s.mock_llm_script_json);
    if (!s.tools_json.empty()) {
      // Scenario tools are fixed-result tools; no HTTP client is needed.
      out.extra_tools =
          adapters::tools::parse_tools(s.tools_json, s.label + " server.tools", nullptr);
    }
    if (!s.knowledge_json.empty()) {
      out.knowledge = adapters::parse_documents(s.knowledge_json, s.label + " server.knowledge");
    }
  } catch (const std::invalid_argument& e) {
    throw scenario_error("malformed scenario " + s.label + ": " + e.what());
  }
  out.confirm_tools = s.confirm_tools;
  return out;
}

test_server::test_server(test_server_options options) : mode_(options.mode) {
  net::server_options so;
  so.config.bind = "127.0.0.1";
  so.config.port = 0;  // ephemeral
  so.config.confirm_tools = std::move(options.confirm_tools);
  if (options.confirm_timeout) so.config.confirm_timeout = *options.confirm_timeout;
  // Test-sized drain so a failing test does not hang for the production 25 s.
  so.config.drain_timeout = std::chrono::seconds(2);
  // The corpus expects no auto-title call (the reference's mock never titles; issue 12).
  so.config.title_model.clear();
  // Scenarios pin the reference's in-memory knowledge scores (engine.md §7.2).
  so.config.knowledge_ranking = adapters::knowledge_ranking_choice::lexical;
  if (mode_ == llm_mode::in_process) {
    provider_ = std::make_shared<adapters::llm::scripted_provider>(std::move(options.script));
    so.llm_override = provider_;
  } else {
    gateway_ = std::make_unique<fake_gateway>(std::move(options.script));
    so.config.gateway_url = gateway_->base_url();
    so.config.gateway_key = "test-key";
  }
  so.extra_tools = std::move(options.extra_tools);
  so.knowledge = std::move(options.knowledge);
  if (options.customize) options.customize(so);
  server_ = std::make_unique<net::server>(std::move(so));
}

test_server::~test_server() {
  if (server_) server_->shutdown();
}

std::uint16_t test_server::port() const {
  return server_->port();
}

std::string test_server::ws_url() const {
  return server_->ws_url();
}

ws_client test_server::connect(ws_connect_options options) const {
  options.host = "127.0.0.1";
  options.port = port();
  return ws_client(options);
}

}  // namespace so::test
