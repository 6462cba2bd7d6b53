// tests/server/postgres_sigkill_test.cpp — issue 9 item 8: SIGKILL the server binary
// mid-conversation (a turn streaming), start another process on the same database and
// continue the conversation with its history replayed to the model.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "tests/server/server_test_support.hpp"
#include "tests/support/harness/server_process.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/pg/test_database.hpp"

#include <map>
#include <memory>

using namespace so::test;
using namespace so::test::srv;
using so::test::pg::fresh_database;

namespace {

so::adapters::llm::script_entry text_entry(std::string text) {
  so::adapters::llm::script_entry e;
  e.what = so::adapters::llm::script_entry::kind::text;
  e.text = std::move(text);
  return e;
}

/// The server binary on `database_url`, its LLM at `gateway_url`.
std::unique_ptr<server_process> start_server(const std::string& database_url,
                                             const std::string& gateway_url) {
  return std::make_unique<server_process>(std::map<std::string, std::string>{
      {"SMOOTH_AGENT_STORAGE", "postgres"},
      {"SMOOTH_AGENT_DATABASE_URL", database_url},
      {"SMOOAI_GATEWAY_URL", gateway_url},
      {"SMOOAI_GATEWAY_KEY", "test-key"},
      {"SMOOTH_AGENT_TITLE_MODEL", ""},  // no auto-title call (issue 12): the gateway is scripted
      {"SMOOTH_AGENT_EMBEDDER", "deterministic"},  // the fake gateway serves chat only
      {"SMOOTH_AGENT_TURN_LEASE_SECS", "1"}});     // a killed turn's lease expires soon
}

}  // namespace

TEST_CASE("postgres: a SIGKILLed server loses nothing acknowledged and another process continues",
          "[server][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);

  session_ids s;
  {
    fake_gateway gw({text_entry("first reply"), text_entry("never finished")});
    auto first = start_server(db.url(), gw.base_url());
    auto c = connect_to(first->port());
    s = create_session(c);
    auto done = run_turn(c, s.session_id, "hello there", "t1");
    REQUIRE(str(done, "/type") == "eventual_response");

    // Second turn: the gateway stalls after its first token; kill the server mid-stream.
    gateway_fault stall;
    stall.what = gateway_fault::kind::stall;
    stall.delay = std::chrono::milliseconds(30000);
    gw.push_fault(stall);
    c.send_text(R"({"action":"send_message","requestId":"t2","sessionId":")" + s.session_id +
                R"(","message":"mid turn"})");
    auto ack = next(c);
    REQUIRE(integer(ack, "/status") == 202);
    // The model is streaming this turn (its user message was stored before the call).
    REQUIRE(eventually([&] { return gw.requests().size() == 2; }, 10000ms));
    REQUIRE(gw.wait_events_sent(1, std::chrono::milliseconds(10000)));
    first->kill();
    gw.release();
  }
  // The killed turn left its lease behind (nobody released it).
  so::adapters::pg::connection probe(db.url());
  CHECK_FALSE(probe
                  .exec("lease",
                        "SELECT turn_owner FROM conversation_sessions WHERE session_id = $1",
                        {s.session_id}, "lease")
                  .is_null(0, 0));

  fake_gateway gw2({text_entry("after restart")});
  auto second = start_server(db.url(), gw2.base_url());
  auto c = connect_to(second->port());
  // Everything acknowledged before the kill is there; the unfinished reply is not.
  CHECK(history_of(c, s.session_id) == std::vector<std::string>{"inbound:hello there",
                                                                "outbound:first reply",
                                                                "inbound:mid turn"});
  // Refused with TURN_IN_PROGRESS until the dead process's lease expires (1 s).
  auto done = run_turn_when_free(c, s.session_id, "continue", "t3");
  REQUIRE(str(done, "/type") == "eventual_response");
  const auto reqs = gw2.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].body.find("hello there") != std::string::npos);
  CHECK(reqs[0].body.find("first reply") != std::string::npos);
  CHECK(reqs[0].body.find("mid turn") != std::string::npos);
}
