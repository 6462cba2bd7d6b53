// tests/conformance/test_server_test.cpp — the harness's two mock modes are what they claim.
//
// A scenario passing in "gateway" mode only means something if the turn really
// went through the HTTP gateway client; these tests pin which mock served it.
#include "tests/support/harness/test_server.hpp"
#include "tests/support/harness/matcher.hpp"
#include "tests/support/harness/ws_channel.hpp"

#include <catch2/catch.hpp>

using namespace so::test;

namespace {

const char* const turn_steps = R"({
  "name": "one-turn",
  "mockLlmScript": [ { "kind": "text", "text": "Served by the mock." } ],
  "steps": [
    { "send": { "action": "create_conversation_session", "requestId": "r-create",
                "agentId": "11111111-1111-1111-1111-111111111111" },
      "expect": [ { "type": "immediate_response", "status": 200,
                    "capture": { "sessionId": "data.sessionId" } } ] },
    { "send": { "action": "send_message", "requestId": "r-msg", "sessionId": "{{sessionId}}",
                "message": "hi" },
      "expect": [ { "type": "immediate_response", "status": 202 },
                  { "type": "stream_token", "repeat": true, "accumulate": "token",
                    "assertAccumulated": "Served by the mock." },
                  { "type": "eventual_response", "status": 200 } ] }
  ] })";

}  // namespace

TEST_CASE("in_process mode serves turns from the scripted provider", "[harness]") {
  const scenario s = parse_scenario(turn_steps, "inline");
  test_server server(options_for(s, llm_mode::in_process));
  REQUIRE(server.provider() != nullptr);
  CHECK(server.gateway() == nullptr);
  CHECK(server.ws_url() == "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws");

  ws_client client = server.connect();
  ws_channel channel(client);
  const auto result = run_steps(s, channel);
  CHECK(result.failure.empty());
  CHECK(server.provider()->requests().size() == 1);
  CHECK(server.provider()->remaining() == 0);
}

TEST_CASE("gateway mode serves turns through the fake HTTP gateway", "[harness]") {
  const scenario s = parse_scenario(turn_steps, "inline");
  test_server server(options_for(s, llm_mode::gateway));
  CHECK(server.provider() == nullptr);
  REQUIRE(server.gateway() != nullptr);

  ws_client client = server.connect();
  ws_channel channel(client);
  const auto result = run_steps(s, channel);
  CHECK(result.failure.empty());
  const auto requests = server.gateway()->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].authorization == "Bearer test-key");
}

TEST_CASE("options_for rejects a scenario with bad directives, naming it", "[harness]") {
  const auto message = [](const char* json) -> std::string {
    try {
      options_for(parse_scenario(json, "bad-directives.json"), llm_mode::in_process);
    } catch (const scenario_error& e) {
      return e.what();
    }
    return "";
  };
  CHECK_THAT(message(R"({"steps":[],"mockLlmScript":[{"kind":"nonsense"}]})"),
             Catch::Contains("bad-directives.json"));
  CHECK_THAT(message(R"({"steps":[],"server":{"tools":[{"description":"no name"}]}})"),
             Catch::Contains("bad-directives.json"));
  CHECK_THAT(message(R"({"steps":[],"server":{"knowledge":[{"source":"a.md"}]}})"),
             Catch::Contains("bad-directives.json"));
}
