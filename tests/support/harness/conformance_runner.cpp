// tests/support/harness/conformance_runner.cpp — see conformance_runner.hpp.
#include "tests/support/harness/conformance_runner.hpp"

#include "tests/support/harness/ws_channel.hpp"

#include <exception>

namespace so::test {

scenario_result run_scenario(const scenario& s, llm_mode mode,
                             std::chrono::milliseconds event_timeout) {
  std::unique_ptr<test_server> server;
  try {
    server = std::make_unique<test_server>(options_for(s, mode));
  } catch (const std::exception& e) {
    return {false, "server setup failed: " + std::string(e.what())};
  }
  try {
    ws_client client = server->connect();
    ws_channel channel(client);
    return run_steps(s, channel, event_timeout);
  } catch (const std::exception& e) {
    return {false, "client failed: " + std::string(e.what())};
  }
}

}  // namespace so::test
