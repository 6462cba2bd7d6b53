// tests/adapters/trace_config_test.cpp — the standard OpenTelemetry variables in
// adapters/config/server_config (issue 13 item 5) and adapters/telemetry/trace_env.
#include "adapters/config/server_config.hpp"
#include "adapters/telemetry/trace_env.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace so::adapters;

namespace {

server_config load(std::map<std::string, std::string> vars) {
  return load_config([vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

using kv = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("trace config: no endpoint means no tracing, and the defaults", "[trace][config]") {
  auto c = load({});
  CHECK_FALSE(c.otel_traces_url);
  CHECK(c.otel_service_name == "smooth-operator");
  CHECK(c.otel_max_queue == 2048);
  CHECK(c.otel_max_batch == 512);
  CHECK(c.otel_schedule_delay == std::chrono::milliseconds(5000));
  CHECK(c.otel_export_timeout == std::chrono::milliseconds(10000));
  CHECK(c.otel_headers.empty());
  CHECK(c.otel_resource_attributes.empty());
}

TEST_CASE("trace config: the base endpoint gets /v1/traces, the traces endpoint is used as is",
          "[trace][config]") {
  CHECK(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}}).otel_traces_url ==
        "http://c:4318/v1/traces");
  CHECK(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://c/otlp/"}}).otel_traces_url ==
        "https://c/otlp/v1/traces");
  CHECK(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
              {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/custom"}})
            .otel_traces_url == "http://t:1/custom");
  CHECK_THROWS_AS(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "c:4318"}}), config_error);
}

TEST_CASE("trace config: OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true turn tracing off",
          "[trace][config]") {
  const std::string ep = "http://c:4318";
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", ep}, {"OTEL_TRACES_EXPORTER", "none"}})
                  .otel_traces_url);
  CHECK_FALSE(
      load({{"OTEL_EXPORTER_OTLP_ENDPOINT", ep}, {"OTEL_SDK_DISABLED", "TRUE"}}).otel_traces_url);
  CHECK(
      load({{"OTEL_EXPORTER_OTLP_ENDPOINT", ep}, {"OTEL_SDK_DISABLED", "false"}}).otel_traces_url);
  CHECK(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", ep}, {"OTEL_TRACES_EXPORTER", "otlp"}})
            .otel_traces_url);
  CHECK_THROWS_AS(load({{"OTEL_TRACES_EXPORTER", "zipkin"}}), config_error);
  CHECK_THROWS_AS(load({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}), config_error);
  CHECK(load({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", ep}})
            .otel_traces_url);
}

TEST_CASE("trace config: service name, headers, resource attributes, batch processor and timeout",
          "[trace][config]") {
  auto c = load({{"OTEL_SERVICE_NAME", "chat-prod"},
                 {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-tenant = t1"},
                 {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "API-KEY=traces"},
                 {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,team=ai"},
                 {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
                 {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"},
                 {"OTEL_BSP_SCHEDULE_DELAY", "250"},
                 {"OTEL_EXPORTER_OTLP_TIMEOUT", "3000"}});
  CHECK(c.otel_service_name == "chat-prod");
  CHECK(c.otel_headers == kv{{"x-tenant", "t1"}, {"API-KEY", "traces"}});
  CHECK(c.otel_resource_attributes == kv{{"deployment.environment", "prod"}, {"team", "ai"}});
  CHECK(c.otel_max_queue == 100);
  CHECK(c.otel_max_batch == 100);  // never more than the queue holds
  CHECK(c.otel_schedule_delay == std::chrono::milliseconds(250));
  CHECK(c.otel_export_timeout == std::chrono::milliseconds(3000));
  CHECK(load({{"OTEL_EXPORTER_OTLP_TIMEOUT", "3000"}, {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "7"}})
            .otel_export_timeout == std::chrono::milliseconds(7));
  // Numbers follow the SDKs: unparseable or 0 keeps the default.
  auto d = load({{"OTEL_BSP_MAX_QUEUE_SIZE", "lots"}, {"OTEL_BSP_SCHEDULE_DELAY", "0"}});
  CHECK(d.otel_max_queue == 2048);
  CHECK(d.otel_schedule_delay == std::chrono::milliseconds(5000));
  // A malformed list would silently drop an auth header: refused, the value never echoed.
  try {
    load({{"OTEL_EXPORTER_OTLP_HEADERS", "authorization"}});
    FAIL("no config_error");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()).find("OTEL_EXPORTER_OTLP_HEADERS") != std::string::npos);
    CHECK(std::string(e.what()).find("authorization") == std::string::npos);
  }
}

TEST_CASE("trace config: service.name is OTEL_SERVICE_NAME, else the resource attribute",
          "[trace][config]") {
  CHECK(load({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"}}).otel_service_name ==
        "from-attrs");
  CHECK(load({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"},
              {"OTEL_SERVICE_NAME", "from-name"}})
            .otel_service_name == "from-name");
}

TEST_CASE("trace env: key-value lists and percent-decoding", "[trace][config]") {
  using telemetry::parse_otel_key_values;
  CHECK(parse_otel_key_values("") == kv{});
  CHECK(parse_otel_key_values("a=1,,b=") == kv{{"a", "1"}, {"b", ""}});
  CHECK(parse_otel_key_values("k=%41%2c%3D") == kv{{"k", "A,="}});
  CHECK_FALSE(parse_otel_key_values("novalue"));
  CHECK_FALSE(parse_otel_key_values("=v"));
  CHECK_FALSE(parse_otel_key_values("k=%4"));
  CHECK_FALSE(parse_otel_key_values("k=%zz"));
  CHECK(telemetry::otlp_traces_url("http://h:4318") == "http://h:4318/v1/traces");
  CHECK(telemetry::otlp_traces_url("http://h:4318/") == "http://h:4318/v1/traces");
}
