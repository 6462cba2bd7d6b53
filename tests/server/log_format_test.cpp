// tests/server/log_format_test.cpp — the server binary's logs (SMOOTH_AGENT_LOG_FORMAT,
// SMOOTH_AGENT_LOG_LEVEL): JSON lines that parse and carry the connection, session and
// turn ids; level filtering; a /ws?token= never reaching the log.
#include "tests/support/harness/child_process.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/ws_client.hpp"

#include "protocol/json.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>

namespace so::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "s3cr3t-T0ken-value";
constexpr const char* kTurnRid = "turn-log-1";

struct run_result {
  std::string session_id;
  std::string out, err;
};

/// Boots the binary with `env`, runs one failing turn on a connection that passes
/// ?token=kSecret, then drains the server and returns what it wrote.
run_result run_failing_turn(std::map<std::string, std::string> env) {
  adapters::llm::script_entry fail;
  fail.what = adapters::llm::script_entry::kind::failure;
  fail.text = "model exploded";
  fake_gateway gateway({fail});
  env["SMOOTH_AGENT_PORT"] = "0";
  env["SMOOTH_AGENT_BIND"] = "127.0.0.1";
  env["SMOOAI_GATEWAY_URL"] = gateway.base_url();
  env["SMOOAI_GATEWAY_KEY"] = "test-key";
  // The fake serves one scripted chat answer: no embeddings, no auto-title call.
  env["SMOOTH_AGENT_EMBEDDER"] = "deterministic";
  env["SMOOTH_AGENT_TITLE_MODEL"] = "";
  child_process server("smooth-operator-server", {}, env);
  REQUIRE(server.wait_stdout(contains("listening on ws://127.0.0.1:"), 15s));
  const auto at = server.out().find("127.0.0.1:") + 10;
  run_result r;
  {
    ws_connect_options o;
    o.port = static_cast<std::uint16_t>(std::stoi(server.out().substr(at)));
    o.target = std::string("/ws?token=") + kSecret;
    ws_client ws(o);
    ws.send_text(R"({"action":"create_conversation_session","requestId":"c1","agentId":"a-1"})");
    auto created = ws.read_until_type("immediate_response", 10s);
    REQUIRE(created);
    rapidjson::Document d;
    REQUIRE(protocol::parse_untrusted(d, *created).ok);
    r.session_id = d["data"]["sessionId"].GetString();
    ws.send_text(R"({"action":"send_message","requestId":")" + std::string(kTurnRid) +
                 R"(","sessionId":")" + r.session_id + R"(","message":"hi"})");
    REQUIRE(ws.read_until_type("error", 15s));
    ws.close();
  }
  server.signal(SIGTERM);
  REQUIRE(server.wait_exit(30s) == 0);
  r.out = server.out();
  r.err = server.err();
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

TEST_CASE("logs: json lines parse and carry the connection, session and turn ids",
          "[logging][server]") {
  const auto r =
      run_failing_turn({{"SMOOTH_AGENT_LOG_FORMAT", "json"}, {"SMOOTH_AGENT_LOG_LEVEL", "debug"}});
  INFO("stderr:\n" << r.err);
  CHECK(r.err.find(kSecret) == std::string::npos);  // a secret is never logged
  CHECK(r.out.find(kSecret) == std::string::npos);
  std::string turn_conn, open_conn;
  bool upgrade_logged = false;
  const auto lines = lines_of(r.err);
  REQUIRE(!lines.empty());
  for (const auto& line : lines) {
    INFO("line: " << line);
    rapidjson::Document d;
    REQUIRE(protocol::parse_untrusted(d, line).ok);
    REQUIRE(d.IsObject());
    REQUIRE(protocol::get_string(d, "ts"));
    REQUIRE(protocol::get_string(d, "level"));
    const auto msg = protocol::get_string(d, "msg");
    REQUIRE(msg);
    if (msg->rfind("turn failed", 0) == 0) {
      CHECK(protocol::get_string(d, "session") == r.session_id);
      CHECK(protocol::get_string(d, "turn") == kTurnRid);
      turn_conn = protocol::get_string(d, "conn").value_or("");
    }
    if (*msg == "ws: open") open_conn = protocol::get_string(d, "conn").value_or("");
    if (msg->rfind("http: upgrade /ws?token=[redacted]", 0) == 0) upgrade_logged = true;
  }
  CHECK(upgrade_logged);  // the token's URL was logged, redacted
  CHECK(!turn_conn.empty());
  CHECK(turn_conn == open_conn);  // the socket's lines and the turn's share the connection id
}

TEST_CASE("logs: text format and level filtering", "[logging][server]") {
  const auto r = run_failing_turn({{"SMOOTH_AGENT_LOG_LEVEL", "warn"}});
  INFO("stderr:\n" << r.err);
  CHECK(r.err.find(kSecret) == std::string::npos);
  CHECK(r.err.find("session=" + r.session_id + " turn=" + kTurnRid + " turn failed") !=
        std::string::npos);
  for (const auto& line : lines_of(r.err)) {
    INFO("line: " << line);
    CHECK(line.find("[info]") == std::string::npos);  // "draining", "stopped": filtered
    CHECK(line.find("[debug]") == std::string::npos);
    CHECK(line.find("{\"ts\"") == std::string::npos);  // text, not JSON
  }
}

TEST_CASE("logs: an unknown SMOOTH_AGENT_LOG_FORMAT stops startup", "[logging][server]") {
  child_process server("smooth-operator-server", {},
                       {{"SMOOTH_AGENT_PORT", "0"}, {"SMOOTH_AGENT_LOG_FORMAT", "xml"}});
  REQUIRE(server.wait_exit(15s) == 2);
  CHECK(server.err().find("SMOOTH_AGENT_LOG_FORMAT") != std::string::npos);
}

}  // namespace so::test
