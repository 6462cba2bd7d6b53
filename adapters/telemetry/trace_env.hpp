// adapters/telemetry/trace_env.hpp — the parse rules of the standard OpenTelemetry variables
// that are not plain numbers (read by adapters/config/server_config.cpp):
//
// - key-value lists (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES): `k1=v1,k2=v2`,
//   spaces around keys and values trimmed, values percent-decoded (W3C Baggage format);
// - the traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is, the base
//   OTEL_EXPORTER_OTLP_ENDPOINT gets `v1/traces` appended (one slash between).
//
// Pure. Thread-safety: free functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::adapters::telemetry {

using key_values = std::vector<std::pair<std::string, std::string>>;

/// The pairs of a `k=v,…` list; nullopt when an entry has no `=`, an empty key, or a bad
/// percent escape. Empty entries (`a=1,,b=2`) are skipped.
std::optional<key_values> parse_otel_key_values(std::string_view text);

/// The OTLP/HTTP traces URL of a base endpoint: `http://c:4318` → `http://c:4318/v1/traces`.
std::string otlp_traces_url(std::string_view base_endpoint);

}  // namespace so::adapters::telemetry
