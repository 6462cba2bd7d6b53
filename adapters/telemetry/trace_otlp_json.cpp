// adapters/telemetry/trace_otlp_json.cpp — see trace_otlp_json.hpp.
#include "adapters/telemetry/trace_otlp_json.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <cmath>
#include <type_traits>

namespace so::adapters::telemetry {

namespace {

using protocol::json_writer;

void write_text(json_writer& w, std::string_view s) {
  if (protocol::is_valid_utf8(s)) return protocol::write_string(w, s);
  protocol::write_string(w, protocol::repair_utf8(s));
}

void write_any_value(json_writer& w, const attribute_value& v) {
  w.StartObject();
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          w.Key("stringValue");
          write_text(w, x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Key("intValue");
          protocol::write_string(w, std::to_string(x));
        } else if constexpr (std::is_same_v<T, bool>) {
          w.Key("boolValue");
          w.Bool(x);
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isfinite(x)) {
            w.Key("doubleValue");
            w.Double(x);
          } else {  // JSON has no NaN / Infinity
            w.Key("stringValue");
            protocol::write_string(w, std::isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"));
          }
        } else {
          w.Key("arrayValue");
          w.StartObject();
          w.Key("values");
          w.StartArray();
          for (const auto& s : x) {
            w.StartObject();
            w.Key("stringValue");
            write_text(w, s);
            w.EndObject();
          }
          w.EndArray();
          w.EndObject();
        }
      },
      v);
  w.EndObject();
}

void write_attributes(json_writer& w, const std::vector<attribute>& attributes) {
  w.Key("attributes");
  w.StartArray();
  for (const auto& a : attributes) {
    w.StartObject();
    w.Key("key");
    write_text(w, a.key);
    w.Key("value");
    write_any_value(w, a.value);
    w.EndObject();
  }
  w.EndArray();
}

void write_span(json_writer& w, const span_record& s) {
  w.StartObject();
  w.Key("traceId");
  protocol::write_string(w, s.trace.hex());
  w.Key("spanId");
  protocol::write_string(w, s.span.hex());
  if (s.parent.valid()) {
    w.Key("parentSpanId");
    protocol::write_string(w, s.parent.hex());
  }
  w.Key("name");
  write_text(w, s.name);
  w.Key("kind");
  w.Int(static_cast<int>(s.kind));
  w.Key("startTimeUnixNano");
  protocol::write_string(w, std::to_string(s.start_unix_ns));
  w.Key("endTimeUnixNano");
  protocol::write_string(w, std::to_string(s.end_unix_ns));
  write_attributes(w, s.attributes);
  w.Key("status");
  w.StartObject();
  w.Key("code");
  w.Int(static_cast<int>(s.status));
  if (s.status == span_status::error && !s.status_message.empty()) {
    w.Key("message");
    write_text(w, s.status_message);
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string encode_otlp_json(const trace_resource& resource,
                             const std::vector<span_record>& spans) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  w.Key("resourceSpans");
  w.StartArray();
  w.StartObject();
  w.Key("resource");
  w.StartObject();
  write_attributes(w, resource.attributes);
  w.EndObject();
  w.Key("scopeSpans");
  w.StartArray();
  w.StartObject();
  w.Key("scope");
  w.StartObject();
  w.Key("name");
  write_text(w, resource.scope_name);
  if (!resource.scope_version.empty()) {
    w.Key("version");
    write_text(w, resource.scope_version);
  }
  w.EndObject();
  w.Key("spans");
  w.StartArray();
  for (const auto& s : spans) write_span(w, s);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::adapters::telemetry
