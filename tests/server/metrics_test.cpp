// tests/server/metrics_test.cpp — GET /metrics on a whole server: every family of issue 13
// item 4 is present, each moves when its event happens, and the optional bearer token.
//
// The server runs with the real gateway client against the fake gateway (gateway metrics),
// a storage that may block (so jobs run on the storage workers and are timed), a memory
// broker as its bus (backplane and bus-state metrics), a frame-rate limit and an outbound
// bound small enough to trip on purpose.
#include "adapters/backplane/memory_bus.hpp"
#include "tests/actors/storage_gate.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/http_probe.hpp"

#include <map>
#include <sstream>

namespace so::test::turns {
namespace {

using samples = std::map<std::string, double>;  ///< `name{labels}` → value

/// Parses the text exposition (comments skipped; the sample key keeps its labels verbatim).
samples parse_exposition(const std::string& text) {
  samples out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

http_reply get_metrics(std::uint16_t port, const std::optional<std::string>& bearer = {}) {
  http_connection c("127.0.0.1", port);
  http_request_spec spec;
  spec.target = "/metrics";
  if (bearer) spec.headers.emplace_back("Authorization", "Bearer " + *bearer);
  return c.request(spec);
}

samples scrape(std::uint16_t port) {
  auto r = get_metrics(port);
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.header("Content-Type").value_or("").rfind("text/plain; version=0.0.4", 0) == 0);
  return parse_exposition(r.body);
}

double value(const samples& s, const std::string& key) {
  INFO("sample " << key);
  auto it = s.find(key);
  REQUIRE(it != s.end());
  return it->second;
}

constexpr const char* P = "smooth_operator_";

std::string key(const std::string& name, const std::string& labels = "") {
  return P + name + (labels.empty() ? "" : "{" + labels + "}");
}

struct metrics_server {
  std::shared_ptr<gate> storage_gate = std::make_shared<gate>();
  adapters::backplane::memory_broker broker;
  fake_gateway fake;
  std::unique_ptr<net::server> server;

  metrics_server() {
    auto o = base_options();
    o.config.gateway_url = fake.base_url();
    o.config.gateway_key = "k";
    o.storage = std::make_shared<gated_storage>(storage_gate);
    o.config.storage_workers = 1;
    o.config.storage_queue = 1;
    o.config.max_frames_per_sec = 20;
    o.config.max_outbound_bytes = 4096;
    o.bus = broker.connect();
    server = std::make_unique<net::server>(std::move(o));
  }
  std::uint16_t port() const { return server->port(); }
};

}  // namespace

TEST_CASE("metrics: every family is present and moves when its event happens", "[metrics]") {
  metrics_server m;
  const auto before = scrape(m.port());
  // Present from the start.
  for (const char* name : {"connections_open",
                           "connections_refused_total",
                           "slow_consumer_closes_total",
                           "trace_spans_dropped_total",
                           "rate_limited_frames_total",
                           "turns_started_total",
                           "turns_live",
                           "confirmations_pending",
                           "prompt_tokens_total",
                           "completion_tokens_total",
                           "gateway_requests_total",
                           "gateway_errors_total",
                           "gateway_retries_total",
                           "turn_duration_seconds_count",
                           "time_to_first_token_seconds_count",
                           "gateway_request_duration_seconds_count",
                           "storage_job_duration_seconds_count",
                           "backplane_publishes_total",
                           "backplane_publish_drops_total",
                           "backplane_received_total",
                           "backplane_deliveries_total",
                           "backplane_receive_drops_total",
                           "backplane_subscriptions",
                           "backplane_sessions_forgotten_total",
                           "nats_connected",
                           "nats_reconnects_total"}) {
    INFO(name);
    CHECK(before.count(P + std::string(name)) == 1);
  }
  CHECK(value(before, key("build_info", R"(version="0.1.0")")) == 1);
  CHECK(value(before, key("frames_in_total", R"(action="ping")")) == 0);
  CHECK(value(before, key("turns_ended_total", R"(outcome="succeeded")")) == 0);
  CHECK(value(before, key("storage_refusals_total", R"(reason="busy")")) == 0);
  CHECK(value(before, key("storage_queue_depth", R"(lane="storage")")) == 0);
  CHECK(value(before, key("nats_connected")) == 1);

  auto ws = connect(*m.server);
  const auto sid = create_session_id(*ws);
  // Frames in and out: a ping and a frame that does not parse.
  require_pong_next(*ws);
  ws->send_text("not json");
  CHECK(expect(*ws, "error").str("/error/code") == "VALIDATION_ERROR");

  // Turns: one succeeds (with usage), one is retried once then succeeds, one fails for good,
  // one is cancelled mid-stream.
  const auto http_fault = [](int status, std::optional<std::string> retry_after) {
    gateway_fault f;
    f.what = gateway_fault::kind::http_status;
    f.status = status;
    f.retry_after = std::move(retry_after);
    return f;
  };
  m.fake.push(text("Hello there"));
  start_turn(*ws, sid, "r1", "hi");
  require_reply(read_turn(*ws, "r1").back(), "r1", "Hello there");
  m.fake.push_fault(http_fault(503, "0"));  // retried at once (Retry-After: 0)
  m.fake.push(text("Again"));
  start_turn(*ws, sid, "r2", "again");
  require_reply(read_turn(*ws, "r2").back(), "r2", "Again");
  m.fake.push_fault(http_fault(400, std::nullopt));  // not retryable
  start_turn(*ws, sid, "r3", "fail");
  CHECK(read_turn(*ws, "r3").back().type() == "error");
  gateway_fault stall;
  stall.what = gateway_fault::kind::stall;
  stall.delay = std::chrono::seconds(30);
  m.fake.push_fault(stall);
  m.fake.push(text("one two three"));
  start_turn(*ws, sid, "r4", "slow");
  expect(*ws, "stream_token");
  const auto mid_turn = scrape(m.port());
  CHECK(value(mid_turn, key("turns_live")) == 1);
  cancel(*ws, "c4", sid);
  require_cancelled(expect(*ws, "cancelled"), "r4");
  m.fake.release();

  // The backplane: another process publishes to the session (one malformed payload first;
  // the valid one arriving proves both were handled, in order).
  auto other = m.broker.connect();
  const auto subject = "smooth-operator.session." + sid;
  REQUIRE(other->publish(subject, "not json"));
  REQUIRE(other->publish(subject, R"({"type":"notice","n":1})"));
  CHECK(expect(*ws, "notice").type() == "notice");
  CHECK(m.server->publish("session", sid, R"({"type":"notice","n":2})") == 1);
  CHECK(expect(*ws, "notice").type() == "notice");

  // Storage: one job held in the single worker, one waiting (the queue bound is 1), and
  // the next one refused STORAGE_BUSY.
  m.storage_gate->close();
  auto c1 = connect(*m.server);
  auto c2 = connect(*m.server);
  auto c3 = connect(*m.server);
  const std::string create =
      R"({"action":"create_conversation_session","requestId":"cr","agentId":")" +
      std::string(kAgentId) + R"("})";
  const auto entered = m.storage_gate->entered();
  c1->send_text(create);
  REQUIRE(m.storage_gate->wait_entered(entered + 1));
  c2->send_text(create);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (value(scrape(m.port()), key("storage_queue_depth", R"(lane="storage")")) != 1) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);  // the depth gauge is what is awaited
  }
  c3->send_text(create);
  CHECK(expect(*c3, "error").str("/error/code") == "STORAGE_BUSY");
  m.storage_gate->open();
  CHECK(expect(*c1, "immediate_response").integer("/status") == 200);
  CHECK(expect(*c2, "immediate_response").integer("/status") == 200);

  // The frame-rate limit, then a pong larger than the outbound bound (a slow consumer).
  for (int i = 0; i < 40; ++i) c3->send_text(R"({"action":"ping","requestId":"burst"})");
  const auto limited = c3->read_until_type("error", 10s);
  REQUIRE(limited);
  CHECK(frame(*limited).str("/error/code") == "RATE_LIMITED");
  auto big = connect(*m.server);
  big->send_text(R"({"action":"ping","requestId":")" + std::string(5000, 'x') + R"("})");
  const auto close_deadline = std::chrono::steady_clock::now() + 5s;
  while (!big->closed() && std::chrono::steady_clock::now() < close_deadline) big->read(200ms);
  REQUIRE(big->closed());
  CHECK(big->closed()->code == 4008);

  // The bus link going down and up.
  m.broker.set_down(true);
  CHECK(value(scrape(m.port()), key("nats_connected")) == 0);
  m.broker.set_down(false);

  const auto after = scrape(m.port());
  const auto moved = [&](const std::string& k) {
    INFO(k);
    CHECK(value(after, k) > value(before, k));
  };
  moved(key("frames_in_total", R"(action="ping")"));
  moved(key("frames_in_total", R"(action="invalid")"));
  moved(key("frames_in_total", R"(action="send_message")"));
  moved(key("frames_in_total", R"(action="cancel")"));
  moved(key("frames_in_total", R"(action="create_conversation_session")"));
  moved(key("frames_out_total", R"(type="pong")"));
  moved(key("frames_out_total", R"(type="stream_token")"));
  moved(key("frames_out_total", R"(type="eventual_response")"));
  moved(key("frames_out_total", R"(type="error")"));
  moved(key("frames_out_total", R"(type="cancelled")"));
  moved(key("frames_out_total", R"(type="other")"));  // the published "notice"
  CHECK(value(after, key("turns_started_total")) == 4);
  CHECK(value(after, key("turns_ended_total", R"(outcome="succeeded")")) == 2);
  CHECK(value(after, key("turns_ended_total", R"(outcome="failed")")) == 1);
  CHECK(value(after, key("turns_ended_total", R"(outcome="cancelled")")) == 1);
  CHECK(value(after, key("turn_duration_seconds_count")) == 4);
  CHECK(value(after, key("time_to_first_token_seconds_count")) == 3);
  CHECK(value(after, key("turns_live")) == 0);
  moved(key("prompt_tokens_total"));
  moved(key("completion_tokens_total"));
  CHECK(value(after, key("gateway_requests_total")) == 5);
  CHECK(value(after, key("gateway_retries_total")) == 1);
  CHECK(value(after, key("gateway_errors_total")) == 1);
  CHECK(value(after, key("gateway_request_duration_seconds_count")) == 4);
  moved(key("storage_job_duration_seconds_count"));
  CHECK(value(after, key("storage_refusals_total", R"(reason="busy")")) == 1);
  moved(key("backplane_publishes_total"));
  moved(key("backplane_received_total"));
  moved(key("backplane_deliveries_total"));
  moved(key("backplane_receive_drops_total"));
  moved(key("backplane_subscriptions"));
  CHECK(value(after, key("backplane_sessions_forgotten_total")) == 0);  // far below the bound
  moved(key("rate_limited_frames_total"));
  CHECK(value(after, key("slow_consumer_closes_total")) == 1);
  CHECK(value(after, key("connections_open")) >= 4);
  CHECK(value(after, key("nats_connected")) == 1);
  // Cumulative buckets end at +Inf with the count.
  CHECK(value(after, key("turn_duration_seconds_bucket", R"(le="+Inf")")) == 4);
}

TEST_CASE("metrics: SMOOTH_AGENT_METRICS_TOKEN guards /metrics", "[metrics]") {
  auto o = base_options();
  o.config.metrics_token = "s3cret";
  net::server server(std::move(o));
  auto none = get_metrics(server.port());
  CHECK(none.status == 401);
  CHECK(none.header("WWW-Authenticate") == std::optional<std::string>("Bearer"));
  CHECK(get_metrics(server.port(), std::string("wrong!")).status == 401);
  CHECK(get_metrics(server.port(), std::string("s3cre")).status == 401);
  auto ok = get_metrics(server.port(), std::string("s3cret"));
  CHECK(ok.status == 200);
  CHECK(ok.body.find("smooth_operator_build_info") != std::string::npos);
  // Only GET: anything else is 405 from the router.
  http_connection c("127.0.0.1", server.port());
  http_request_spec post;
  post.method = "POST";
  post.target = "/metrics";
  CHECK(c.request(post).status == 405);
}

}  // namespace so::test::turns
