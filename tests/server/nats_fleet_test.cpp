// tests/server/nats_fleet_test.cpp — issue 10 item 7: several processes of the real
// server binary behind one real nats-server (and PostgreSQL for the shared-session cases).
//
// Each case starts its own broker (tests/support/nats/test_nats_server.hpp) so it can
// stop and restart it, and two or three `smooth-operator-server` processes with
// SMOOTH_AGENT_BACKPLANE=nats. Clients connect with the local-token secret, so each
// connection's verified principal is user `local` in org `local` (docs/auth.md) and is
// reachable as User(local) and Org(local). A raw publisher is a plain nats.c connection
// (tests/support/nats/raw_nats_client.hpp: no origin header), the way `nats pub` publishes.
// With CI=true a missing nats-server (or PostgreSQL for the shared-session cases) fails.
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/harness/server_process.hpp"
#include "tests/support/nats/raw_nats_client.hpp"
#include "tests/support/nats/test_nats_server.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/http_probe.hpp"
#include "tests/support/pg/test_database.hpp"
#include "tests/support/temp_dir.hpp"

#include <rapidjson/document.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

namespace so::test::turns {
namespace {

constexpr const char* kToken = "fleet-secret";

// ---- the fleet ---------------------------------------------------------------------------

std::map<std::string, std::string> fleet_env(const nats::test_nats_server& broker) {
  return {{"SMOOTH_AGENT_BACKPLANE", "nats"},
          {"SMOOTH_AGENT_NATS_URL", broker.url()},
          {"SMOOTH_AGENT_AUTH_MODE", "local-token"},
          {"SMOOTH_AGENT_LOCAL_TOKEN", kToken},
          {"SMOOTH_AGENT_LOG_LEVEL", "warn"}};
}

std::unique_ptr<ws_client> connect_port(std::uint16_t port, bool with_token = true) {
  ws_connect_options o;
  o.port = port;
  if (with_token) o.target = std::string("/ws?token=") + kToken;
  return std::make_unique<ws_client>(o);
}

/// POST /admin/publish on `port` with the admin (local-token) bearer; the delivered count.
std::int64_t admin_publish(std::uint16_t port, const std::string& type, const std::string& id,
                           const std::string& event) {
  http_connection http("127.0.0.1", port);
  http_request_spec spec;
  spec.method = "POST";
  spec.target = "/admin/publish";
  spec.headers = {{"Authorization", std::string("Bearer ") + kToken},
                  {"Content-Type", "application/json"}};
  spec.body = R"({"target":{"type":)" + quote(type) + R"(,"id":)" + quote(id) + R"(},"event":)" +
              event + "}";
  auto reply = http.request(spec);
  INFO("admin publish reply: " << reply.status << " " << reply.body);
  REQUIRE(reply.status == 200);
  rapidjson::Document d;
  d.Parse(reply.body.c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d.HasMember("delivered"));
  return d["delivered"].GetInt64();
}

/// Waits until the broker has `n` subscriptions on `subject` (a subscription reaches the
/// broker a moment after the association that causes it).
void await_subscriptions(const nats::test_nats_server& broker, const std::string& subject,
                         std::size_t n, std::chrono::milliseconds timeout = 5000ms) {
  INFO("waiting for " << n << " subscription(s) on " << subject);
  REQUIRE(eventually([&] { return broker.subscription_count(subject) == n; }, timeout));
}

std::vector<std::string> subjects_with_prefix(const nats::test_nats_server& broker,
                                              const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& s : broker.subjects())
    if (s.rfind(prefix, 0) == 0) out.push_back(s);
  return out;
}

/// The next frame is exactly `payload` (verbatim: the server adds no wrapping).
void require_verbatim_next(ws_client& ws, const std::string& payload) {
  auto text = ws.read(5s);
  REQUIRE(text.has_value());
  CHECK(*text == payload);
}

/// A session of agent `agent` created on `ws`; its id.
std::string create_session_of(ws_client& ws, const std::string& agent) {
  ws.send_text(R"({"action":"create_conversation_session","requestId":"r-create","agentId":)" +
               quote(agent) + "}");
  auto f = expect(ws, "immediate_response");
  REQUIRE(f.integer("/status") == 200);
  return f.str("/data/sessionId");
}

/// Sends ping frames until the pong arrives (a connection's first frame also associates it).
void handshake(ws_client& ws) {
  require_pong_next(ws, "r-hello");
}

}  // namespace

// ---- delivery --------------------------------------------------------------------------------

TEST_CASE("fleet: a raw publish to each target kind reaches the sockets of every process",
          "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  server_process a(fleet_env(broker)), b(fleet_env(broker));
  auto on_a = connect_port(a.port());
  auto on_b = connect_port(b.port());
  const auto sa = create_session_of(*on_a, "agent-fleet");
  const auto sb = create_session_of(*on_b, "agent-fleet");
  nats::raw_nats_client pub(broker.url());
  // Each process subscribed to what its connection is associated with.
  await_subscriptions(broker, "smooth-operator.session." + sb, 1);

  SECTION("session: only the process holding it") {
    const std::string ev = R"({"type":"job_status","data":{"jobId":"abc","state":"complete"}})";
    await_subscriptions(broker, "smooth-operator.session." + sa, 1);
    pub.publish("smooth-operator.session." + sa, ev);
    require_verbatim_next(*on_a, ev);
    pub.publish("smooth-operator.session." + sb, ev);
    require_verbatim_next(*on_b, ev);
    require_pong_next(*on_a, "r-a-quiet");  // A got only its own session's event
  }
  SECTION("agent, user and org: every process") {
    for (const auto& subject :
         {std::string("smooth-operator.agent.agent-fleet"),
          std::string("smooth-operator.user.local"), std::string("smooth-operator.org.local")}) {
      // The association's subscription reaches the broker a moment after the reply.
      await_subscriptions(broker, subject, 2);
      const std::string ev = R"({"type":"notice","data":{"on":)" + quote(subject) + "}}";
      pub.publish(subject, ev);
      require_verbatim_next(*on_a, ev);
      require_verbatim_next(*on_b, ev);
    }
  }
  SECTION("connection: each connection's own subject") {
    REQUIRE(eventually(
        [&] { return subjects_with_prefix(broker, "smooth-operator.conn.").size() == 2; }, 5000ms));
    auto conns = subjects_with_prefix(broker, "smooth-operator.conn.");
    for (const auto& subject : conns) pub.publish(subject, R"({"type":"for_you"})");
    require_verbatim_next(*on_a, R"({"type":"for_you"})");
    require_verbatim_next(*on_b, R"({"type":"for_you"})");
    require_pong_next(*on_a, "r-a-once");
    require_pong_next(*on_b, "r-b-once");
  }
}

TEST_CASE("fleet: /admin/publish on A reaches a client on B once, and A's own client once",
          "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  server_process a(fleet_env(broker)), b(fleet_env(broker)), c(fleet_env(broker));
  auto on_a = connect_port(a.port());
  auto on_b = connect_port(b.port());
  handshake(*on_a);
  handshake(*on_b);
  await_subscriptions(broker, "smooth-operator.org.local", 2);

  const std::string ev = R"({"type":"maintenance","data":{"at":"22:00 UTC"}})";
  // The count is A's local deliveries only (storage-backplane.md §6.6).
  CHECK(admin_publish(a.port(), "org", "local", ev) == 1);
  require_verbatim_next(*on_a, ev);
  require_verbatim_next(*on_b, ev);
  // No echo: A delivered locally and skipped its own message coming back from the broker.
  require_pong_next(*on_a, "r-a-no-dup");
  require_pong_next(*on_b, "r-b-no-dup");
  // C has no connection: it never subscribed, so the broker sends it nothing.
  CHECK(broker.subscription_count("smooth-operator.org.local") == 2);
}

TEST_CASE("fleet: a process unsubscribes when the last connection of a target leaves",
          "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  server_process b(fleet_env(broker));
  auto first = connect_port(b.port());
  auto second = connect_port(b.port());
  const auto sid = create_session_of(*first, "agent-leave");
  second->send_text(R"({"action":"get_session","requestId":"g","sessionId":)" + quote(sid) + "}");
  expect(*second, "immediate_response");
  const auto subject = "smooth-operator.session." + sid;
  await_subscriptions(broker, subject, 1);

  first->close();
  // One connection is still associated: still exactly one subscription.
  require_pong_next(*second, "r-still");
  CHECK(broker.subscription_count(subject) == 1);
  second->close();
  CHECK(eventually([&] { return broker.subscription_count(subject) == 0; }, 5000ms));
  CHECK(eventually([&] { return subjects_with_prefix(broker, "smooth-operator.conn.").empty(); },
                   5000ms));
  CHECK(eventually([&] { return broker.subscription_count("smooth-operator.user.local") == 0; },
                   5000ms));
}

TEST_CASE("fleet: a malformed raw payload is dropped and the next valid one arrives",
          "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  server_process b(fleet_env(broker));
  auto on_b = connect_port(b.port());
  handshake(*on_b);
  await_subscriptions(broker, "smooth-operator.org.local", 1);
  nats::raw_nats_client pub(broker.url());
  pub.publish("smooth-operator.org.local", "not json");
  pub.publish("smooth-operator.org.local", "[1,2,3]");
  pub.publish("smooth-operator.org.local", "\"a string\"");
  pub.publish("smooth-operator.org.local", std::string("{\"type\":\"x\",\"t\":\"\xff\xfe\"}"));
  pub.publish("smooth-operator.org.local", "");
  pub.publish("smooth-operator.org.local", R"({"type":"valid"})");
  require_verbatim_next(*on_b, R"({"type":"valid"})");
  require_pong_next(*on_b, "r-after");
}

TEST_CASE(
    "fleet: with the legacy subject a reference-format envelope reaches a client, and ours "
    "go out marked",
    "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  auto env = fleet_env(broker);
  env["SMOOTH_AGENT_NATS_LEGACY_SUBJECT"] = "1";
  server_process a(env), b(env);
  auto on_a = connect_port(a.port());
  auto on_b = connect_port(b.port());
  const auto sid = create_session_of(*on_b, "agent-legacy");
  handshake(*on_a);
  await_subscriptions(broker, "smooth-operator.backplane", 2);
  await_subscriptions(broker, "smooth-operator.session." + sid, 1);

  // A reference server (or a publisher written for it) sends the envelope of §6.5.
  nats::raw_nats_client reference(broker.url());
  reference.subscribe("smooth-operator.backplane");
  const std::string ev = R"({"type":"job_status","data":{"state":"done"}})";
  reference.publish(
      "smooth-operator.backplane",
      R"({"origin":"billing-svc","target":{"Session":")" + sid + R"("},"event":)" + ev + "}");
  require_verbatim_next(*on_b, ev);
  require_pong_next(*on_b, "r-b-once");
  require_pong_next(*on_a, "r-a-none");  // A has no connection of that session

  // Our publish: once to every client of the target, and also as a marked envelope for
  // reference servers.
  auto own = reference.next(5s);  // the reference publisher hears its own message first
  REQUIRE(own.has_value());
  await_subscriptions(broker, "smooth-operator.org.local", 2);
  const std::string ours = R"({"type":"maintenance"})";
  CHECK(admin_publish(a.port(), "org", "local", ours) == 1);
  require_verbatim_next(*on_a, ours);
  require_verbatim_next(*on_b, ours);
  require_pong_next(*on_b, "r-b-no-dup");
  auto envelope = reference.next(5s);
  REQUIRE(envelope.has_value());
  rapidjson::Document d;
  d.Parse(envelope->payload.c_str());
  REQUIRE(d.IsObject());
  CHECK(d["smoothCpp"].GetBool());
  CHECK(std::string(d["target"]["Org"].GetString()) == "local");
  CHECK(std::string(d["event"]["type"].GetString()) == "maintenance");
}

// ---- resilience ------------------------------------------------------------------------------

TEST_CASE("fleet: a broker that is down at boot stops startup with a clear message",
          "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  const auto url = broker.url();
  broker.stop();
  auto env = fleet_env(broker);
  env["SMOOTH_AGENT_NATS_URL"] =
      "nats://fleet-user:fleet-password@" + url.substr(url.find("//") + 2);
  auto failed = run_expecting_boot_failure(env);
  INFO("stderr: " << failed.stderr_text);
  CHECK(failed.exit_code != 0);
  CHECK(failed.exit_code != -1);  // it stopped by itself
  CHECK(failed.stderr_text.find("NATS") != std::string::npos);
  CHECK(failed.stderr_text.find(url.substr(url.rfind(':'))) !=
        std::string::npos);                                               // names the port
  CHECK(failed.stderr_text.find("fleet-password") == std::string::npos);  // never the secret
}

TEST_CASE(
    "fleet: NATS stopped and restarted with clients connected: sockets stay, delivery resumes",
    "[server][nats]") {
  SO_NATS_OR_SKIP();
  nats::test_nats_server broker;
  server_process a(fleet_env(broker)), b(fleet_env(broker));
  auto on_a = connect_port(a.port());
  auto on_b = connect_port(b.port());
  handshake(*on_a);
  handshake(*on_b);
  await_subscriptions(broker, "smooth-operator.org.local", 2);

  broker.stop();
  // Every WebSocket stays open and local delivery keeps working.
  require_pong_next(*on_a, "r-a-outage");
  require_pong_next(*on_b, "r-b-outage");
  const std::string local = R"({"type":"local_only"})";
  CHECK(admin_publish(a.port(), "org", "local", local) == 1);
  require_verbatim_next(*on_a, local);

  broker.start();  // same port: both servers reconnect by themselves and re-subscribe
  await_subscriptions(broker, "smooth-operator.org.local", 2, 15000ms);
  // The outage event published on A may or may not reach B (at most once); drain it if so.
  const std::string after = R"({"type":"after_restart"})";
  CHECK(admin_publish(a.port(), "org", "local", after) == 1);
  require_verbatim_next(*on_a, after);
  auto text = on_b->read(5s);
  REQUIRE(text.has_value());
  if (*text == local) text = on_b->read(5s);
  REQUIRE(text.has_value());
  CHECK(*text == after);
  require_pong_next(*on_b, "r-b-resumed");
}

// ---- sessions served by any process (shared PostgreSQL) ------------------------------------

namespace {

/// A tools file with `delete_record` (fixed result) and the env of a fleet process on `db`.
struct turn_fleet {
  explicit turn_fleet(const nats::test_nats_server& broker, const std::string& database_url,
                      const std::string& gateway_url)
      : tools(dir.write(
            "tools.json",
            R"([{"name":"delete_record","description":"Delete a record.","parameters":{"type":"object"},"result":"record deleted"}])")) {
    env = fleet_env(broker);
    env["SMOOTH_AGENT_STORAGE"] = "postgres";
    env["SMOOTH_AGENT_DATABASE_URL"] = database_url;
    env["SMOOAI_GATEWAY_URL"] = gateway_url;
    env["SMOOAI_GATEWAY_KEY"] = "test-key";
    env["SMOOTH_AGENT_TITLE_MODEL"] = "";  // no auto-title call (issue 12): the gateway is scripted
    env["SMOOTH_AGENT_EMBEDDER"] = "deterministic";  // the fake gateway serves chat only
    env["SMOOTH_AGENT_TOOLS_FILE"] = tools.string();
    env["SMOOTH_AGENT_CONFIRM_TOOLS"] = "delete";
  }
  temp_dir dir{"so-fleet-"};
  std::filesystem::path tools;
  std::map<std::string, std::string> env;
};

llm::script_entry gateway_text(std::string t) {
  llm::script_entry e;
  e.what = llm::script_entry::kind::text;
  e.text = std::move(t);
  return e;
}

}  // namespace

TEST_CASE("fleet: a turn parked on A is refused, confirmed and cancelled from B",
          "[server][nats][postgres]") {
  SO_NATS_OR_SKIP();
  SO_PG_URL_OR_SKIP(server_url);
  pg::fresh_database db(server_url);
  nats::test_nats_server broker;
  fake_gateway gw({tool_call("delete_record", R"({"id":"42"})"),
                   gateway_text("done after approval"),
                   tool_call("delete_record", R"({"id":"43"})"), gateway_text("never finished")});
  turn_fleet fleet(broker, db.url(), gw.base_url());
  server_process a(fleet.env), b(fleet.env);
  auto on_b = connect_port(b.port());
  std::string sid;
  {
    auto on_a = connect_port(a.port());
    sid = create_session_of(*on_a, kAgentId);
    park_on_confirmation(*on_a, sid, "r-a");

    // TURN_IN_PROGRESS holds across processes (the turn lease).
    send_message(*on_b, sid, "r-b-busy", "me too");
    auto busy = expect(*on_b, "error");
    CHECK(busy.str("/error/code") == "TURN_IN_PROGRESS");
  }  // A's client goes away: its parked turn waits for a confirmer (docs/architecture.md)

  // B confirms the turn parked on A: B acknowledges, then the rest of the turn reaches B
  // over its connection subject, since the starter's socket is gone.
  confirm(*on_b, sid, true, "r-b-yes");
  auto ack = expect(*on_b, "immediate_response");
  CHECK(ack.rid() == "r-b-yes");
  CHECK(ack.integer("/status") == 200);
  auto rest = read_turn(*on_b, "r-a");
  require_reply(rest.back(), "r-a", "done after approval");
  CHECK(tokens(rest) == "done after approval");

  // A second confirm from B finds nothing, anywhere: the local answer.
  confirm(*on_b, sid, true, "r-b-again");
  CHECK(expect(*on_b, "error").str("/error/code") == "NO_PENDING_CONFIRMATION");

  // Park again on A and leave; stall the model after the approval; B confirms (and so
  // carries the turn) and cancels it from its process.
  {
    auto on_a = connect_port(a.port());
    park_on_confirmation(*on_a, sid, "r-a2");
  }
  gateway_fault stall;
  stall.what = gateway_fault::kind::stall;
  stall.delay = std::chrono::milliseconds(30000);
  gw.push_fault(stall);
  // The owner's control subscription reaches the broker asynchronously; a confirm that
  // beats it answers NO_PENDING_CONFIRMATION (docs/scale-out.md). Seen about once in ten
  // runs here without this wait: a client at machine speed, not a human clicking.
  await_subscriptions(broker, "smooth-operator.control.session." + sid, 1);
  confirm(*on_b, sid, true, "r-b-yes2");
  CHECK(expect(*on_b, "immediate_response").integer("/status") == 200);
  REQUIRE(gw.wait_events_sent(1, std::chrono::milliseconds(10000)));
  cancel(*on_b, "r-b-stop", sid);
  auto frames = read_turn(*on_b, "r-a2");
  require_cancelled(frames.back(), "r-a2");
  gw.release();

  // Nothing is left running: another cancel from B does nothing.
  cancel(*on_b, "r-b-stop-again", sid);
  require_pong_next(*on_b, "r-b-quiet");
}

TEST_CASE("fleet: confirm and cancel from B with no owner anywhere give the local answers",
          "[server][nats][postgres]") {
  SO_NATS_OR_SKIP();
  SO_PG_URL_OR_SKIP(server_url);
  pg::fresh_database db(server_url);
  nats::test_nats_server broker;
  fake_gateway gw;
  turn_fleet fleet(broker, db.url(), gw.base_url());
  server_process a(fleet.env), b(fleet.env);
  auto on_a = connect_port(a.port());
  auto on_b = connect_port(b.port());
  const auto sid = create_session_of(*on_a, kAgentId);
  confirm(*on_b, sid, true, "r-none");
  auto err = expect(*on_b, "error");
  CHECK(err.str("/error/code") == "NO_PENDING_CONFIRMATION");
  cancel(*on_b, "r-cancel", sid);
  require_pong_next(*on_b, "r-nothing");
}

}  // namespace so::test::turns
