// adapters/telemetry/trace_otlp_json.hpp — a batch of spans as one OTLP/HTTP JSON request
// body (ExportTraceServiceRequest in the protobuf JSON mapping, as POSTed to /v1/traces):
//
//   {"resourceSpans":[{"resource":{"attributes":[…]},
//     "scopeSpans":[{"scope":{"name":…,"version":…},"spans":[{"traceId":"<32 hex>",
//       "spanId":"<16 hex>","parentSpanId":"<16 hex>"?,"name":…,"kind":1|2|3,
//       "startTimeUnixNano":"<decimal>","endTimeUnixNano":"<decimal>",
//       "attributes":[{"key":…,"value":{"stringValue"|"intValue"|"boolValue"|"doubleValue"|
//       "arrayValue":…}}],"status":{"code":0|1|2,"message":…?}}]}]}]}
//
// Ids are lower-case hex (OTLP/JSON's exception to base64 bytes); 64-bit integers
// (timestamps, intValue) are decimal strings, as the protobuf JSON mapping writes them.
// Strings that are not valid UTF-8 are repaired (U+FFFD) so the body is always valid JSON.
// Pure: no I/O. Thread-safety: free functions over values.
#pragma once

#include "adapters/telemetry/trace_span.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::telemetry {

/// Who emits the spans: the resource attributes (service.name, …) and the scope.
struct trace_resource {
  std::vector<attribute> attributes;
  std::string scope_name = "smooth-operator";
  std::string scope_version;  ///< omitted when empty
};

/// The request body for `spans` (one resource, one scope).
std::string encode_otlp_json(const trace_resource& resource, const std::vector<span_record>& spans);

}  // namespace so::adapters::telemetry
