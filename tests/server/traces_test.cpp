// tests/server/traces_test.cpp — OpenTelemetry traces of whole-server turns (issue 13 item 5)
// against a local OTLP/HTTP collector stand-in: an HTTP server in the test process that
// records every POST /v1/traces and parses its JSON (resourceSpans > scopeSpans > spans).
//
// The turns run through the real gateway client against the fake gateway. Covered: one
// turn with a tool call is one trace (turn span, LLM spans with model, tokens and finish
// reason, a tool span, all children of the turn span); failed and cancelled turns have
// error status; a slow or dead collector never delays a turn (the bounded queue drops, the
// drop counter on /metrics moves); nothing is exported when tracing is not configured.
#include "adapters/tools/fixed_result_tool.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/http_probe.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <map>
#include <sstream>

namespace so::test::turns {
namespace {

/// One span as the collector received it.
struct otlp_span {
  std::string trace_id, span_id, parent_span_id, name;
  int kind = 0;
  int status_code = -1;
  std::string status_message;
  std::string start_ns, end_ns;
  std::map<std::string, std::string> attrs;  ///< values as text; arrays joined with '|'
  std::map<std::string, std::string> resource;
};

std::string text_of(const rapidjson::Value& any) {
  if (any.HasMember("stringValue")) return any["stringValue"].GetString();
  if (any.HasMember("intValue")) return any["intValue"].GetString();  // int64: a JSON string
  if (any.HasMember("boolValue")) return any["boolValue"].GetBool() ? "true" : "false";
  if (any.HasMember("doubleValue")) return std::to_string(any["doubleValue"].GetDouble());
  std::string out;
  for (const auto& v : any["arrayValue"]["values"].GetArray())
    out += (out.empty() ? "" : "|") + std::string(v["stringValue"].GetString());
  return out;
}

std::map<std::string, std::string> attributes(const rapidjson::Value& list) {
  std::map<std::string, std::string> out;
  for (const auto& a : list.GetArray()) out[a["key"].GetString()] = text_of(a["value"]);
  return out;
}

/// The collector stand-in: answers every request `status` after `delay`.
class collector {
 public:
  explicit collector(int status = 200, std::chrono::milliseconds delay = {})
      : http_([status, delay](const http_test_request&) {
          http_test_response r;
          r.status = status;
          r.body = "{}";
          r.content_type = "application/json";
          r.delay = delay;
          return r;
        }) {}

  std::string url() const { return http_.url("/v1/traces"); }
  std::vector<http_test_request> requests() const { return http_.requests(); }

  /// Every span received so far, in arrival order (each body must be OTLP JSON).
  std::vector<otlp_span> spans() const {
    std::vector<otlp_span> out;
    for (const auto& r : http_.requests()) {
      frame body(r.body);
      const auto* rs = body.get("/resourceSpans");
      REQUIRE(rs != nullptr);
      for (const auto& res : rs->GetArray()) {
        const auto resource = attributes(res["resource"]["attributes"]);
        for (const auto& scope : res["scopeSpans"].GetArray()) {
          for (const auto& s : scope["spans"].GetArray()) {
            otlp_span o;
            o.trace_id = s["traceId"].GetString();
            o.span_id = s["spanId"].GetString();
            if (s.HasMember("parentSpanId")) o.parent_span_id = s["parentSpanId"].GetString();
            o.name = s["name"].GetString();
            o.kind = s["kind"].GetInt();
            o.start_ns = s["startTimeUnixNano"].GetString();
            o.end_ns = s["endTimeUnixNano"].GetString();
            o.status_code = s["status"]["code"].GetInt();
            if (s["status"].HasMember("message"))
              o.status_message = s["status"]["message"].GetString();
            o.attrs = attributes(s["attributes"]);
            o.resource = resource;
            out.push_back(std::move(o));
          }
        }
      }
    }
    return out;
  }

  /// The spans of turn `rid`, once its turn span arrived (deadline 10 s).
  std::vector<otlp_span> turn_spans(const std::string& rid) const {
    std::vector<otlp_span> mine;
    const bool arrived = eventually(
        [&] {
          mine.clear();
          bool root = false;
          for (auto& s : spans()) {
            if (s.attrs["smooth_operator.turn.id"] != rid) continue;
            root = root || s.attrs["gen_ai.operation.name"] == "invoke_agent";
            mine.push_back(std::move(s));
          }
          return root;
        },
        10s);
    INFO("no turn span of " << rid << " reached the collector");
    REQUIRE(arrived);
    return mine;
  }

 private:
  http_test_server http_;
};

const otlp_span& only(const std::vector<otlp_span>& spans, const std::string& operation,
                      std::size_t nth = 0) {
  std::size_t seen = 0;
  for (const auto& s : spans)
    if (s.attrs.count("gen_ai.operation.name") &&
        s.attrs.at("gen_ai.operation.name") == operation && seen++ == nth)
      return s;
  FAIL("no span #" << nth << " of operation " << operation);
  return spans.front();
}

std::size_t count_of(const std::vector<otlp_span>& spans, const std::string& operation) {
  std::size_t n = 0;
  for (const auto& s : spans)
    if (s.attrs.count("gen_ai.operation.name") && s.attrs.at("gen_ai.operation.name") == operation)
      ++n;
  return n;
}

net::server_options traced_options(const fake_gateway& fake, const std::string& collector_url) {
  auto o = base_options();
  o.config.gateway_url = fake.base_url();
  o.config.gateway_key = "k";
  o.config.otel_traces_url = collector_url;
  o.config.otel_service_name = "traces-test";
  o.config.otel_headers = {{"x-collector-key", "secret-1"}};
  o.config.otel_resource_attributes = {{"deployment.environment", "test"}};
  o.config.otel_schedule_delay = 10ms;  // export at once: the test waits on the collector
  return o;
}

/// smooth_operator_trace_spans_dropped_total from GET /metrics.
double spans_dropped(std::uint16_t port) {
  http_connection c("127.0.0.1", port);
  http_request_spec spec;
  spec.target = "/metrics";
  auto r = c.request(spec);
  REQUIRE(r.status == 200);
  std::istringstream in(r.body);
  std::string line;
  const std::string name = "smooth_operator_trace_spans_dropped_total ";
  while (std::getline(in, line))
    if (line.rfind(name, 0) == 0) return std::stod(line.substr(name.size()));
  FAIL("no trace_spans_dropped_total in /metrics");
  return -1;
}

constexpr const char* kLookupResult = "Order 123: shipped.";

void add_lookup_tool(net::server_options& o) {
  o.extra_tools.push_back(
      std::make_shared<adapters::tools::fixed_result_tool>("lookup_order", kLookupResult));
}

}  // namespace

TEST_CASE("traces: a turn with a tool call is one trace of turn, LLM and tool spans", "[traces]") {
  collector col;
  fake_gateway fake({tool_call("lookup_order", R"({"id":"123"})", "call-7"), text("Shipped.")});
  auto o = traced_options(fake, col.url());
  add_lookup_tool(o);
  net::server server(std::move(o));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-traced", "where is order 123?");
  require_reply(read_turn(*ws, "r-traced").back(), "r-traced", "Shipped.");

  const auto spans = col.turn_spans("r-traced");
  REQUIRE(spans.size() == 4);
  REQUIRE(count_of(spans, "chat") == 2);
  REQUIRE(count_of(spans, "execute_tool") == 1);
  const auto& turn = only(spans, "invoke_agent");
  CHECK(turn.parent_span_id.empty());
  CHECK(turn.trace_id.size() == 32);
  CHECK(turn.span_id.size() == 16);
  CHECK(turn.status_code == 0);
  CHECK(turn.name == "invoke_agent smooth-agent");
  CHECK(turn.attrs.at("session.id") == sid);
  CHECK(turn.attrs.at("gen_ai.conversation.id").size() == 36);
  CHECK(turn.attrs.at("gen_ai.agent.id") == kAgentId);
  CHECK(turn.attrs.at("smooth_operator.turn.outcome") == "succeeded");
  CHECK(turn.attrs.at("gen_ai.usage.input_tokens") == "20");
  CHECK(turn.attrs.at("gen_ai.usage.output_tokens") == "10");
  CHECK(std::stoull(turn.end_ns) >= std::stoull(turn.start_ns));
  for (const auto& s : spans) {
    INFO(s.name);
    CHECK(s.trace_id == turn.trace_id);                        // one trace
    if (&s != &turn) CHECK(s.parent_span_id == turn.span_id);  // children of the turn
    CHECK(s.attrs.at("gen_ai.conversation.id") == turn.attrs.at("gen_ai.conversation.id"));
    CHECK(s.attrs.at("session.id") == sid);
    CHECK(std::stoull(s.start_ns) >= std::stoull(turn.start_ns));
    CHECK(std::stoull(s.end_ns) <= std::stoull(turn.end_ns));
    CHECK(s.resource.at("service.name") == "traces-test");
    CHECK(s.resource.at("deployment.environment") == "test");
  }

  const auto& first = only(spans, "chat", 0);
  CHECK(first.name == "chat claude-haiku-4-5");
  CHECK(first.kind == 3);  // CLIENT
  CHECK(first.status_code == 0);
  CHECK(first.attrs.at("gen_ai.request.model") == "claude-haiku-4-5");
  CHECK(first.attrs.at("gen_ai.provider.name") == "openai");
  CHECK(first.attrs.at("gen_ai.usage.input_tokens") == "10");
  CHECK(first.attrs.at("gen_ai.usage.output_tokens") == "5");
  CHECK(first.attrs.at("gen_ai.response.finish_reasons") == "tool_calls");
  CHECK(first.attrs.at("server.address") == "127.0.0.1");
  CHECK(first.attrs.at("server.port") == std::to_string(fake.port()));
  CHECK(only(spans, "chat", 1).attrs.at("gen_ai.response.finish_reasons") == "stop");

  const auto& tool = only(spans, "execute_tool");
  CHECK(tool.name == "execute_tool lookup_order");
  CHECK(tool.status_code == 0);
  CHECK(tool.attrs.at("gen_ai.tool.name") == "lookup_order");
  CHECK(tool.attrs.at("gen_ai.tool.call.id") == "call-7");
  // The tool ran between the two LLM calls.
  CHECK(std::stoull(tool.start_ns) >= std::stoull(first.end_ns));
  CHECK(std::stoull(tool.end_ns) <= std::stoull(only(spans, "chat", 1).start_ns));

  // The export requests: POST /v1/traces, JSON, with the configured headers.
  auto reqs = col.requests();
  REQUIRE_FALSE(reqs.empty());
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/v1/traces");
  CHECK(reqs[0].header("Content-Type") == std::optional<std::string>("application/json"));
  CHECK(reqs[0].header("x-collector-key") == std::optional<std::string>("secret-1"));
  CHECK(spans_dropped(server.port()) == 0);
  require_quiescent(server);
}

TEST_CASE("traces: a failed turn and a cancelled turn have error status", "[traces]") {
  collector col;
  llm::script_entry failure;
  failure.what = llm::script_entry::kind::failure;
  failure.text = "model refused";
  fake_gateway_options fo;
  fo.hold_last = true;  // the second turn's stream stays open until cancelled
  fake_gateway fake({failure, text("never finished")}, fo);
  net::server server(traced_options(fake, col.url()));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);

  start_turn(*ws, sid, "r-fail", "fail please");
  CHECK(read_turn(*ws, "r-fail").back().type() == "error");
  auto failed = col.turn_spans("r-fail");
  const auto& ft = only(failed, "invoke_agent");
  CHECK(ft.status_code == 2);
  CHECK(ft.attrs.at("error.type") == "AGENT_ERROR");
  CHECK(ft.status_message.find("model refused") != std::string::npos);
  CHECK(ft.attrs.at("smooth_operator.turn.outcome") == "failed");
  REQUIRE(count_of(failed, "chat") == 1);
  CHECK(only(failed, "chat").status_code == 2);
  CHECK(only(failed, "chat").parent_span_id == ft.span_id);

  start_turn(*ws, sid, "r-cancel", "talk slowly");
  expect(*ws, "stream_token");  // the LLM call is streaming
  cancel(*ws, "r-x");
  require_cancelled(read_turn(*ws, "r-cancel").back(), "r-cancel");
  fake.release();
  auto cancelled = col.turn_spans("r-cancel");
  const auto& ct = only(cancelled, "invoke_agent");
  CHECK(ct.status_code == 2);
  CHECK(ct.attrs.at("error.type") == "cancelled");
  CHECK(ct.attrs.at("smooth_operator.turn.outcome") == "cancelled");
  REQUIRE(count_of(cancelled, "chat") == 1);
  CHECK(only(cancelled, "chat").status_code == 2);  // the stream it cut
  CHECK(only(cancelled, "chat").attrs.at("error.type") == "cancelled");
  CHECK(ct.trace_id != ft.trace_id);  // one trace per turn
  require_quiescent(server);
}

TEST_CASE("traces: a collector that never answers delays no turn, the full queue drops and counts",
          "[traces]") {
  collector slow(200, std::chrono::minutes(5));  // accepts, then holds every answer
  fake_gateway fake({tool_call("lookup_order"), text("one"), text("two"), text("three")});
  auto o = traced_options(fake, slow.url());
  add_lookup_tool(o);
  o.config.otel_max_queue = 1;  // one span may wait while the exporter is stuck
  o.config.otel_max_batch = 1;
  o.config.otel_export_timeout = std::chrono::minutes(5);
  o.config.otel_shutdown_timeout = 300ms;
  auto server = std::make_unique<net::server>(std::move(o));
  auto ws = connect(*server);
  const auto sid = create_session_id(*ws);

  // The first span (the first LLM call's) leaves and the exporter waits on the collector.
  start_turn(*ws, sid, "r-1", "first");
  require_reply(read_turn(*ws, "r-1").back(), "r-1", "one");
  REQUIRE(eventually([&] { return !slow.requests().empty(); }, 10s));
  // More turns while the exporter is stuck: every one completes at once.
  for (const char* rid : {"r-2", "r-3"}) {
    const auto started = std::chrono::steady_clock::now();
    start_turn(*ws, sid, rid, "more");
    CHECK(read_turn(*ws, rid, 10s).back().type() == "eventual_response");
    CHECK(std::chrono::steady_clock::now() - started < 5s);  // not the collector's 5 minutes
  }
  // The first turn alone made 4 spans for a queue of 1 behind a stuck export.
  CHECK(spans_dropped(server->port()) >= 3);
  CHECK(slow.requests().size() == 1);  // one export in flight, nothing else sent

  // Shutdown gives the stuck export its bound, then gives up (counted), never 5 minutes.
  const auto stop_started = std::chrono::steady_clock::now();
  server->shutdown();
  CHECK(std::chrono::steady_clock::now() - stop_started < 4s);
}

TEST_CASE("traces: a collector that is down loses the spans, counted, and the turn is unharmed",
          "[traces]") {
  std::string dead_url;
  {
    collector gone;
    dead_url = gone.url();
  }  // its port is closed now: every export is refused
  fake_gateway fake({text("hi"), text("again")});
  net::server server(traced_options(fake, dead_url));
  auto ws = connect(server);
  const auto sid = create_session_id(*ws);
  start_turn(*ws, sid, "r-down", "hello");
  require_reply(read_turn(*ws, "r-down").back(), "r-down", "hi");
  CHECK(eventually([&] { return spans_dropped(server.port()) >= 2; }, 10s));  // turn + chat
  start_turn(*ws, sid, "r-down-2", "again");
  require_reply(read_turn(*ws, "r-down-2").back(), "r-down-2", "again");
  require_quiescent(server);
}

TEST_CASE("traces: nothing is exported without an endpoint, or with OTEL_TRACES_EXPORTER=none",
          "[traces]") {
  collector col;
  for (const bool with_endpoint : {false, true}) {
    INFO("endpoint set (with exporter none): " << with_endpoint);
    std::map<std::string, std::string> env{{"SMOOTH_AGENT_PORT", "0"}};
    if (with_endpoint) {
      env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = col.url();
      env["OTEL_TRACES_EXPORTER"] = "none";
    }
    auto cfg = adapters::load_config([&env](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
    REQUIRE_FALSE(cfg.otel_traces_url);
    fake_gateway fake({text("quiet")});
    auto o = base_options();
    o.config = cfg;
    o.config.bind = "127.0.0.1";
    o.config.title_model.clear();
    o.config.gateway_url = fake.base_url();
    o.config.gateway_key = "k";
    {
      net::server server(std::move(o));
      auto ws = connect(server);
      const auto sid = create_session_id(*ws);
      start_turn(*ws, sid, "r-quiet", "hello");
      require_reply(read_turn(*ws, "r-quiet").back(), "r-quiet", "quiet");
    }  // shutdown would have flushed any span
    CHECK(col.requests().empty());
  }
  // The same collector does receive spans once the endpoint is configured (the check can fail).
  fake_gateway fake({text("loud")});
  {
    net::server server(traced_options(fake, col.url()));
    auto ws = connect(server);
    const auto sid = create_session_id(*ws);
    start_turn(*ws, sid, "r-loud", "hello");
    require_reply(read_turn(*ws, "r-loud").back(), "r-loud", "loud");
  }
  CHECK(col.turn_spans("r-loud").size() == 2);
}
}  // namespace so::test::turns
