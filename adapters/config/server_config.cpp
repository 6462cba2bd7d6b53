// adapters/config/server_config.cpp — see server_config.hpp.
//
// Reference variables (storage-backplane.md §8.1, protocol.md §1.8,
// admin-auth.md §1.2) keep their lenient parse rules: values are trimmed, an
// empty value counts as unset, and most bad values fall back to the default.
// Variables we own are strict: a bad value is a config_error naming it.
#include "adapters/config/server_config.hpp"

#include "adapters/auth/otp_tool_gate.hpp"
#include "adapters/telemetry/trace_env.hpp"

#include <arpa/inet.h>

#include <netinet/in.h>
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace so::adapters {

namespace {

constexpr std::string_view kSpaces = " \t\r\n\v\f";

std::string_view trim(std::string_view s) {
  const auto begin = s.find_first_not_of(kSpaces);
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(kSpaces);
  return s.substr(begin, end - begin + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  return out;
}

/// The trimmed value; nullopt when unset or blank.
std::optional<std::string> get(const env_lookup& env, const char* name) {
  auto v = env(name);
  if (!v) return std::nullopt;
  auto t = trim(*v);
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

/// The untrimmed value (for variables the reference uses verbatim); nullopt
/// when unset or blank.
std::optional<std::string> get_verbatim(const env_lookup& env, const char* name) {
  auto v = env(name);
  if (!v || trim(*v).empty()) return std::nullopt;
  return v;
}

/// An unsigned integer of type T; an optional leading '+' is accepted as Rust's
/// integer parser does. nullopt on anything else or overflow.
template <class T>
std::optional<T> parse_unsigned(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  T value{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

bool is_ip_literal(const std::string& s) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, s.c_str(), &v4) == 1 || inet_pton(AF_INET6, s.c_str(), &v6) == 1;
}

[[noreturn]] void invalid(const char* name, const std::string& value, const char* expected) {
  throw config_error(std::string("invalid ") + name + " '" + value + "': expected " + expected);
}

/// A variable we own holding an unsigned integer in [min, max].
template <class T>
std::optional<T> owned_unsigned(const env_lookup& env, const char* name, T min, T max,
                                const char* expected) {
  auto v = get(env, name);
  if (!v) return std::nullopt;
  auto parsed = parse_unsigned<T>(*v);
  if (!parsed || *parsed < min || *parsed > max) invalid(name, *v, expected);
  return parsed;
}

/// A variable we own holding 0 | 1 | true | false (any case); nullopt when unset.
std::optional<bool> owned_flag(const env_lookup& env, const char* name) {
  auto v = get(env, name);
  if (!v) return std::nullopt;
  auto parsed = parse_flag(*v);
  if (!parsed) invalid(name, *v, "0, 1, true or false");
  return parsed;
}

/// A reference u32 that must be > 0, else the default.
unsigned positive_u32_or(const env_lookup& env, const char* name, unsigned fallback) {
  auto v = get(env, name);
  if (!v) return fallback;
  auto parsed = parse_unsigned<std::uint32_t>(*v);
  return parsed && *parsed > 0 ? *parsed : fallback;
}

void load_listener(const env_lookup& env, server_config& c) {
  if (auto bind = get(env, "SMOOTH_AGENT_BIND")) {
    c.bind = is_ip_literal(*bind) ? *bind : "127.0.0.1";  // non-IP: silently the default
  }
  if (auto port = get(env, "SMOOTH_AGENT_PORT")) {
    c.port = parse_unsigned<std::uint16_t>(*port).value_or(8787);
  }
}

void load_llm(const env_lookup& env, server_config& c) {
  if (auto v = get(env, "SMOOAI_GATEWAY_URL")) c.gateway_url = *v;
  c.gateway_key = get(env, "SMOOAI_GATEWAY_KEY").value_or("");
  if (auto v = get(env, "SMOOTH_AGENT_MODEL")) c.model = *v;
  c.max_iterations = positive_u32_or(env, "SMOOTH_AGENT_MAX_ITERATIONS", c.max_iterations);
  c.max_tokens = positive_u32_or(env, "SMOOTH_AGENT_MAX_TOKENS", c.max_tokens);
  c.rerank = get(env, "SMOOTH_AGENT_RERANK").value_or("");
  if (auto v = get(env, "SMOOTH_AGENT_CONFIRM_TOOLS")) {
    std::string_view rest = *v;
    while (true) {
      const auto comma = rest.find(',');
      const auto item = trim(rest.substr(0, comma));
      if (!item.empty()) c.confirm_tools.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  c.seed_kb = env("SMOOTH_AGENT_SEED_KB") == std::optional<std::string>("1");  // exact, no trim
}

void load_storage(const env_lookup& env, server_config& c) {
  if (auto v = get(env, "SMOOTH_AGENT_STORAGE")) {
    const auto kind = lower(*v);
    if (kind == "postgres" || kind == "pg" || kind == "postgresql") {
      c.storage = storage_backend::postgres;
    } else if (kind == "dynamodb" || kind == "ddb" || kind == "dynamo") {
      c.storage = storage_backend::dynamodb;
    }  // anything else: silently memory, as the reference does
  }
  // ---- PostgreSQL connection string (storage-backplane.md §4.1, §8.1) ----
  // The first of the two that is SET wins, even when blank, and is used verbatim
  // (a URL or key=value pairs, parsed by libpq). A blank winner is kept out of
  // `database_url` and, with postgres selected, is a startup error naming it:
  // libpq would otherwise connect to its built-in defaults — a silent fallback.
  const char* url_var = "SMOOTH_AGENT_DATABASE_URL";
  auto url = env(url_var);
  if (!url) {
    url_var = "DATABASE_URL";
    url = env(url_var);
  }
  c.database_url = url && !trim(*url).empty() ? url : std::nullopt;
  if (c.storage == storage_backend::postgres && !c.database_url) {
    if (url)
      throw config_error(std::string("SMOOTH_AGENT_STORAGE selects postgres but ") + url_var +
                         " is empty");
    throw config_error(
        "SMOOTH_AGENT_STORAGE selects postgres but neither SMOOTH_AGENT_DATABASE_URL nor "
        "DATABASE_URL is set");
  }
  if (auto v = get(env, "SMOOTH_AGENT_DDB_TABLE")) c.ddb_table = *v;
}

void load_backplane(const env_lookup& env, server_config& c) {
  const auto raw = env("SMOOTH_AGENT_BACKPLANE");
  const auto kind = lower(trim(raw.value_or("")));
  const char* fallback_var = nullptr;
  if (kind.empty() || kind == "memory" || kind == "inmemory") {
    c.backplane = backplane_backend::memory;
  } else if (kind == "redis" || kind == "valkey") {
    c.backplane = backplane_backend::redis;
    fallback_var = "SMOOTH_AGENT_REDIS_URL";
  } else if (kind == "nats") {
    c.backplane = backplane_backend::nats;
    fallback_var = "SMOOTH_AGENT_NATS_URL";
  } else {
    throw config_error("unknown SMOOTH_AGENT_BACKPLANE '" + kind +
                       "' (expected: memory | redis | valkey | nats)");
  }
  c.backplane_url = get_verbatim(env, "SMOOTH_AGENT_BACKPLANE_URL");
  if (!c.backplane_url && fallback_var != nullptr)
    c.backplane_url = get_verbatim(env, fallback_var);
  if (fallback_var != nullptr && !c.backplane_url) {
    throw config_error("SMOOTH_AGENT_BACKPLANE '" + kind +
                       "' needs a bus URL: set SMOOTH_AGENT_BACKPLANE_URL or " + fallback_var);
  }
}

void load_widget_auth(const env_lookup& env, server_config& c) {
  if (auto v = get(env, "WIDGET_AUTH_STRICT")) {
    const auto s = lower(*v);
    c.widget_auth_strict = s == "1" || s == "true" || s == "yes";
  }
  c.widget_auth_url = get(env, "WIDGET_AUTH_URL");
  c.widget_auth_bearer = get(env, "WIDGET_AUTH_BEARER");
  if (auto v = get(env, "WIDGET_AUTH_TTL_SECS")) {
    c.widget_auth_ttl_secs = parse_unsigned<std::uint64_t>(*v).value_or(60);
  }
  c.widget_policies_file = get(env, "SMOOTH_AGENT_WIDGET_POLICIES_FILE");
}

void load_auth(const env_lookup& env, server_config& c) {
  // Auth (issue 8, helper "auth"): the canonical name wins over the alias; the
  // mode is validated by the auth factory, which owns the refusal table.
  auto mode = get(env, "SMOOTH_AGENT_AUTH_MODE");
  if (!mode) mode = get(env, "AUTH_MODE");
  if (mode) c.auth_mode = lower(*mode);
  c.auth_jwt_hs256_secret = get(env, "AUTH_JWT_HS256_SECRET");
  c.auth_jwt_rs256_public_key = get(env, "AUTH_JWT_RS256_PUBLIC_KEY");
  c.auth_jwt_issuer = get(env, "AUTH_JWT_ISSUER");
  c.auth_jwt_audience = get(env, "AUTH_JWT_AUDIENCE");
  c.auth_jwt_jwks_url = get(env, "AUTH_JWT_JWKS_URL");
  c.auth_local_token = get(env, "SMOOTH_AGENT_LOCAL_TOKEN");
  if (auto v = get(env, "AUTH_DEV_ORG_ID")) c.auth_dev_org_id = *v;
}

// ---- WebSocket identity (issue 8) ----
void load_ws_identity(const env_lookup& env, server_config& c) {
  if (auto v = owned_flag(env, "SMOOTH_AGENT_WS_AUTH_REQUIRED")) c.ws_auth_required = *v;
}

void load_ours(const env_lookup& env, server_config& c) {
  constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
  constexpr std::uint32_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_DRAIN_TIMEOUT_SECS", 0, 86'400,
                                             "whole seconds from 0 to 86400")) {
    c.drain_timeout = std::chrono::seconds(*v);
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_FRAME_BYTES", 1024, kMaxU64,
                                             "an integer >= 1024")) {
    c.max_frame_bytes = static_cast<std::size_t>(*v);
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_OUTBOUND_BYTES", 1024, kMaxU64,
                                             "an integer >= 1024")) {
    c.max_outbound_bytes = static_cast<std::size_t>(*v);
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_CONFIRM_TIMEOUT_SECS", 1, kMaxU32,
                                             "whole seconds > 0")) {
    c.confirm_timeout = std::chrono::seconds(*v);
  }
  if (auto v = owned_flag(env, "SMOOTH_AGENT_NATS_LEGACY_SUBJECT")) c.nats_legacy_subject = *v;
  c.nats_creds = get(env, "SMOOTH_AGENT_NATS_CREDS");
  c.nats_tls_ca = get(env, "SMOOTH_AGENT_NATS_TLS_CA");
  c.knowledge_file = get(env, "SMOOTH_AGENT_KNOWLEDGE_FILE");
  c.tools_file = get(env, "SMOOTH_AGENT_TOOLS_FILE");
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_WORKER_THREADS", 1, 64,
                                             "an integer from 1 to 64")) {
    c.worker_threads = *v;
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_IO_THREADS", 1, 64,
                                             "an integer from 1 to 64")) {
    c.io_threads = *v;
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_CONNECTIONS", 1, kMaxU64,
                                             "an integer > 0")) {
    c.max_connections = static_cast<std::size_t>(*v);
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_MAX_FRAMES_PER_SEC", 0, kMaxU32,
                                             "an integer >= 0 (0 = unlimited)")) {
    c.max_frames_per_sec = *v;
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_INBOUND_FRAMES", 1, 1 << 20,
                                             "an integer from 1 to 1048576")) {
    c.max_inbound_frames = static_cast<std::size_t>(*v);
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_INBOUND_BYTES", 1024, kMaxU64,
                                             "an integer >= 1024")) {
    c.max_inbound_bytes = static_cast<std::size_t>(*v);
  }
  if (auto v = owned_flag(env, "SMOOTH_AGENT_MALLOC_HUGE_PAGES")) c.malloc_huge_pages = *v;
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_STORAGE_WORKERS", 1, 256,
                                             "an integer from 1 to 256")) {
    c.storage_workers = *v;
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_STORAGE_QUEUE", 1, 1 << 24,
                                             "an integer from 1 to 16777216")) {
    c.storage_queue = static_cast<std::size_t>(*v);
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_STORAGE_TIMEOUT_MS", 1, kMaxU32,
                                             "whole milliseconds > 0")) {
    c.storage_timeout = std::chrono::milliseconds(*v);
  }
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES", 1024,
                                             kMaxU64, "an integer >= 1024")) {
    c.max_tool_result_bytes = static_cast<std::size_t>(*v);
  }
  // ---- admin HTTP API (issue 8, admin) ----
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_MAX_HTTP_BODY_BYTES", 1024, kMaxU64,
                                             "an integer >= 1024")) {
    c.max_http_body_bytes = *v;
  }
  // ---- admin stores on PostgreSQL (issue 9, pgtenant) ----
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_SETTINGS_REFRESH_SECS", 1, 3600,
                                             "whole seconds from 1 to 3600")) {
    c.settings_refresh = std::chrono::seconds(*v);
  }
  // ---- turn lease (issue 9 item 5, helper "lease") ----
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_TURN_LEASE_SECS", 1, 86'400,
                                             "whole seconds from 1 to 86400")) {
    c.turn_lease = std::chrono::seconds(*v);
  }
  // ---- knowledge ingestion (issue 11, helper "ingest") ----
  c.file_connector_root = get(env, "SMOOTH_AGENT_FILE_CONNECTOR_ROOT");
  if (auto v = owned_unsigned<std::uint64_t>(env, "SMOOTH_AGENT_WEB_CONNECTOR_MAX_BYTES", 1,
                                             kMaxU64, "an integer >= 1")) {
    c.web_connector_max_bytes = *v;
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_WEB_CONNECTOR_TIMEOUT_MS", 1,
                                             kMaxU32, "whole milliseconds > 0")) {
    c.web_connector_timeout = std::chrono::milliseconds(*v);
  }
  if (auto v = owned_flag(env, "SMOOTH_AGENT_WEB_CONNECTOR_ALLOW_LOOPBACK"))
    c.web_connector_allow_loopback = *v;
  if (auto v = get(env, "SMOOTH_AGENT_GITHUB_API_URL")) {
    if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0)
      invalid("SMOOTH_AGENT_GITHUB_API_URL", *v, "an http:// or https:// URL");
    c.github_api_url = *v;
  }
  // ---- metrics (issue 13, coordinator) ----
  if (auto v = get(env, "SMOOTH_AGENT_METRICS_TOKEN")) c.metrics_token = *v;
  // ---- MCP tools (issue 13 item 7, helper "mcp") ----
  c.mcp_config = get(env, "SMOOTH_AGENT_MCP_CONFIG");
  // ---- web chat page (issue 13, helper "web") ----
  if (auto v = owned_flag(env, "SMOOTH_AGENT_WEB_UI")) c.web_ui = *v;
  // ---- Rich Interactions (issue 12, helper "interact") ----
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS", 1,
                                             kMaxU32, "whole seconds > 0")) {
    c.interaction_timeout = std::chrono::seconds(*v);
  }
  // ---- conversations and send_message extensions (issue 12, helper "convo") ----
  if (auto v = env("SMOOTH_AGENT_TITLE_MODEL")) c.title_model = std::string(trim(*v));
  const auto split = [](std::string_view text, char sep) {
    std::vector<std::string> out;
    while (true) {
      const auto cut = text.find(sep);
      auto item = trim(text.substr(0, cut));
      if (!item.empty()) out.emplace_back(item);
      if (cut == std::string_view::npos) return out;
      text.remove_prefix(cut + 1);
    }
  };
  if (auto v = env("SMOOTH_AGENT_ALLOWED_MODELS")) c.allowed_models = split(*v, ',');
  if (auto v = env("SMOOTH_SKILLS_DIR")) c.skills_dirs = split(*v, ':');
  // ---- eventual_response additions and stream_preamble (issue 12, helper "reply") ----
  if (auto v = env("SMOOTH_AGENT_PREAMBLE_MODEL")) c.preamble_model = std::string(trim(*v));
  // ---- OTP identity verification (issue 12, helper "otp") ----
  if (auto v = get(env, "SMOOTH_AGENT_AUTH_TOOLS")) {
    std::string_view rest = *v;
    while (true) {
      const auto comma = rest.find(',');
      const auto item = trim(rest.substr(0, comma));
      if (!item.empty()) c.auth_tools.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    try {
      auth::otp_tool_gate check(c.auth_tools);
    } catch (const std::invalid_argument&) {
      invalid("SMOOTH_AGENT_AUTH_TOOLS", *v,
              "tool names, each optionally :end_user, :admin or :none");
    }
  }
  if (auto v = get(env, "SMOOTH_AGENT_OTP_URL")) {
    if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0)
      invalid("SMOOTH_AGENT_OTP_URL", *v, "an http:// or https:// URL");
    c.otp_url = *v;
  }
  if (auto v = get(env, "SMOOTH_AGENT_OTP_TOKEN")) c.otp_token = *v;
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_OTP_TIMEOUT_MS", 1, kMaxU32,
                                             "whole milliseconds > 0")) {
    c.otp_timeout = std::chrono::milliseconds(*v);
  }
  // ---- knowledge retrieval: embedder, reranker, ranking (issue 11, helper "knowledge") ----
  c.embedder = embedder_choice::automatic;  // §5.2 when the environment says nothing
  if (auto v = get(env, "SMOOTH_AGENT_EMBEDDER")) {
    const auto s = lower(*v);
    if (s == "auto")
      c.embedder = embedder_choice::automatic;
    else if (s == "deterministic")
      c.embedder = embedder_choice::deterministic;
    else if (s == "gateway")
      c.embedder = embedder_choice::gateway;
    else
      invalid("SMOOTH_AGENT_EMBEDDER", *v, "auto, deterministic or gateway");
  }
  if (auto v = get(env, "SMOOTH_AGENT_EMBEDDING_MODEL")) c.embedding_model = *v;
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_EMBEDDING_DIM", 1, 65'536,
                                             "an integer from 1 to 65536")) {
    c.embedding_dim = *v;
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_EMBEDDING_BATCH", 1, 2048,
                                             "an integer from 1 to 2048")) {
    c.embedding_batch = *v;
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_GATEWAY_KNOWLEDGE_TIMEOUT_MS", 1,
                                             kMaxU32, "whole milliseconds > 0")) {
    c.gateway_knowledge_timeout = std::chrono::milliseconds(*v);
  }
  if (auto v = get(env, "SMOOTH_AGENT_RERANK_MODEL")) c.rerank_model = *v;
  if (auto v = get(env, "SMOOTH_AGENT_KNOWLEDGE_RANKING")) {
    const auto s = lower(*v);
    if (s == "hybrid")
      c.knowledge_ranking = knowledge_ranking_choice::hybrid;
    else if (s == "lexical")
      c.knowledge_ranking = knowledge_ranking_choice::lexical;
    else
      invalid("SMOOTH_AGENT_KNOWLEDGE_RANKING", *v, "hybrid or lexical");
  }
  if (auto v = owned_unsigned<std::uint32_t>(env, "SMOOTH_AGENT_SESSION_IDLE_SECS", 1, kMaxU32,
                                             "whole seconds > 0")) {
    c.session_idle_timeout = std::chrono::seconds(*v);
  }
  if (auto v = get(env, "SMOOTH_AGENT_LOG_LEVEL")) {
    const auto level = lower(*v);
    constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                            "error", "critical", "off"};
    if (std::find(std::begin(kLevels), std::end(kLevels), level) == std::end(kLevels)) {
      invalid("SMOOTH_AGENT_LOG_LEVEL", *v, "trace | debug | info | warn | error | critical | off");
    }
    c.log_level = level;
  }
  if (auto v = get(env, "SMOOTH_AGENT_LOG_FORMAT")) {
    const auto format = lower(*v);
    if (format != "text" && format != "json") invalid("SMOOTH_AGENT_LOG_FORMAT", *v, "text | json");
    c.log_format = format;
  }
  load_ws_identity(env, c);
}

// ---- traces: OTLP/HTTP JSON export (issue 13 item 5, helper "otel"; docs/observability.md) ----
// The standard OpenTelemetry variables keep the SDKs' rules: a number that does not parse
// (or is 0) keeps its default; what would silently stop the export instead (an endpoint
// that is not http(s), an exporter or protocol we do not speak, a malformed key-value list)
// is a config_error naming the variable.
void load_traces(const env_lookup& env, server_config& c) {
  const auto truthy = [&env](const char* name) {
    auto v = get(env, name);
    return v && lower(*v) == "true";
  };
  const auto key_values = [&env](const char* name) {
    std::vector<std::pair<std::string, std::string>> out;
    if (auto v = get(env, name)) {
      auto parsed = telemetry::parse_otel_key_values(*v);
      if (!parsed) invalid(name, "(not shown)", "key1=value1,key2=value2 (values percent-encoded)");
      out = std::move(*parsed);
    }
    return out;
  };
  const auto positive_ms = [&env](const char* name, std::chrono::milliseconds fallback) {
    auto v = get(env, name);
    auto n = v ? parse_unsigned<std::uint32_t>(*v) : std::nullopt;
    return n && *n > 0 ? std::chrono::milliseconds(*n) : fallback;
  };
  const bool disabled = truthy("OTEL_SDK_DISABLED");
  std::optional<std::string> exporter;
  if (auto v = get(env, "OTEL_TRACES_EXPORTER")) {
    exporter = lower(*v);
    if (*exporter != "otlp" && *exporter != "none")
      invalid("OTEL_TRACES_EXPORTER", *v, "otlp or none (this server exports OTLP/HTTP JSON)");
  }
  for (const char* name : {"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"}) {
    if (auto v = get(env, name); v && lower(*v) != "http/json" && lower(*v) != "http/protobuf")
      invalid(name, *v, "http/json (http/protobuf is accepted: JSON is sent to the same URL)");
  }
  std::optional<std::string> url;
  if (auto v = get(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    url = *v;
  } else if (auto base = get(env, "OTEL_EXPORTER_OTLP_ENDPOINT")) {
    url = telemetry::otlp_traces_url(*base);
  }
  if (url && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
    invalid("OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", *url,
            "an http:// or https:// URL");
  if (!disabled && exporter != std::optional<std::string>("none")) c.otel_traces_url = url;
  if (auto v = get(env, "OTEL_SERVICE_NAME")) c.otel_service_name = *v;
  c.otel_headers = key_values("OTEL_EXPORTER_OTLP_HEADERS");
  for (auto& [k, v] : key_values("OTEL_EXPORTER_OTLP_TRACES_HEADERS")) {
    std::erase_if(c.otel_headers, [&k](const auto& h) { return lower(h.first) == lower(k); });
    c.otel_headers.emplace_back(k, v);
  }
  c.otel_resource_attributes = key_values("OTEL_RESOURCE_ATTRIBUTES");
  // service.name: OTEL_SERVICE_NAME, else the resource attribute, else our default.
  if (!get(env, "OTEL_SERVICE_NAME"))
    for (const auto& [k, v] : c.otel_resource_attributes)
      if (k == "service.name") c.otel_service_name = v;
  if (auto v = get(env, "OTEL_BSP_MAX_QUEUE_SIZE"))
    if (auto n = parse_unsigned<std::uint32_t>(*v); n && *n > 0) c.otel_max_queue = *n;
  if (auto v = get(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"))
    if (auto n = parse_unsigned<std::uint32_t>(*v); n && *n > 0) c.otel_max_batch = *n;
  c.otel_max_batch = std::min(c.otel_max_batch, c.otel_max_queue);
  c.otel_schedule_delay = positive_ms("OTEL_BSP_SCHEDULE_DELAY", c.otel_schedule_delay);
  c.otel_export_timeout = positive_ms("OTEL_EXPORTER_OTLP_TIMEOUT", c.otel_export_timeout);
  c.otel_export_timeout = positive_ms("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", c.otel_export_timeout);
}

}  // namespace

std::optional<bool> parse_flag(std::string_view value) {
  const auto s = lower(trim(value));
  if (s == "1" || s == "true") return true;
  if (s == "0" || s == "false") return false;
  return std::nullopt;
}

env_lookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    // getenv is safe here: the server never calls setenv after startup.
    if (const char* v = std::getenv(name)) return std::string(v);
    return std::nullopt;
  };
}

server_config load_config(const env_lookup& env) {
  server_config c;
  load_listener(env, c);
  load_llm(env, c);
  load_auth(env, c);
  load_storage(env, c);
  load_backplane(env, c);
  load_widget_auth(env, c);
  load_ours(env, c);
  load_traces(env, c);  // issue 13 item 5
  return c;
}

const std::vector<config_variable>& config_variables() {
  // Immutable after first use (thread-safe static initialisation).
  static const std::vector<config_variable> kVariables = {
      {"SMOOTH_AGENT_BIND", "127.0.0.1",
       "Bind IP address. A value that is not an IP literal silently becomes 127.0.0.1."},
      {"SMOOTH_AGENT_PORT", "8787", "Listen port (0 = ephemeral). Unparseable → 8787."},
      {"SMOOAI_GATEWAY_URL", "https://llm.smoo.ai/v1",
       "OpenAI-compatible LLM gateway base URL (includes /v1)."},
      {"SMOOAI_GATEWAY_KEY", "(unset)",
       "Gateway API key. Unset → every send_message ends in LLM_UNAVAILABLE."},
      {"SMOOTH_AGENT_MODEL", "claude-haiku-4-5", "Chat model id."},
      {"SMOOTH_AGENT_MAX_ITERATIONS", "6", "Agent loop cap per turn; u32 > 0, else the default."},
      {"SMOOTH_AGENT_MAX_TOKENS", "512", "max_tokens per LLM call; u32 > 0, else the default."},
      {"SMOOTH_AGENT_RERANK", "off",
       "Reranker for the knowledge_search tool: off | lexical | gateway (on, 1, true)."},
      {"SMOOTH_AGENT_CONFIRM_TOOLS", "(empty)",
       "Comma list of tool-name substrings that need human confirmation (HITL)."},
      {"SMOOTH_AGENT_SEED_KB", "off",
       "Exactly \"1\" seeds two demo policy documents (in-memory storage only)."},
      {"SMOOTH_AGENT_STORAGE", "memory",
       "memory | postgres (pg, postgresql) | dynamodb (ddb, dynamo); case-insensitive; anything "
       "else → memory."},
      {"SMOOTH_AGENT_DATABASE_URL", "(unset)",
       "PostgreSQL connection string, used verbatim: a postgresql:// URL or key=value pairs "
       "(libpq; sslmode honoured). Required when storage is postgres; an empty value or an "
       "unusable database stops startup."},
      {"DATABASE_URL", "(unset)",
       "Used when SMOOTH_AGENT_DATABASE_URL is not set at all (a set but empty "
       "SMOOTH_AGENT_DATABASE_URL still wins)."},
      {"SMOOTH_AGENT_DDB_TABLE", "smooth-operator", "DynamoDB table name."},
      {"SMOOTH_AGENT_BACKPLANE", "memory",
       "memory (inmemory) | redis (valkey) | nats; anything else is a startup error."},
      {"SMOOTH_AGENT_BACKPLANE_URL", "(unset)",
       "Bus URL (nats://…, redis://…). Required for nats and redis."},
      {"SMOOTH_AGENT_NATS_URL", "(unset)", "Fallback bus URL when the backplane is nats."},
      {"SMOOTH_AGENT_REDIS_URL", "(unset)", "Fallback bus URL when the backplane is redis."},
      {"WIDGET_AUTH_STRICT", "false",
       "1 | true | yes (case-insensitive): agents without an embed policy are rejected."},
      {"WIDGET_AUTH_URL", "(unset)", "Enables the HTTP embed-policy provider at {url}/{agentId}."},
      {"WIDGET_AUTH_BEARER", "(unset)", "Bearer token for the embed-policy provider."},
      {"WIDGET_AUTH_TTL_SECS", "60", "Embed-policy cache TTL in seconds; unparseable → 60."},
      {"SMOOTH_AGENT_WIDGET_POLICIES_FILE", "(unset)",
       "JSON object agentId → embed policy (static provider); a bad file stops startup."},
      {"SMOOTH_AGENT_AUTH_MODE", "(unset → implicit jwt)",
       "jwt | smoo | trusted | none | local-token (case-insensitive); anything else refuses to "
       "start. Wins over AUTH_MODE. See docs/auth.md."},
      {"AUTH_MODE", "(unset)", "Alias of SMOOTH_AGENT_AUTH_MODE (the canonical name wins)."},
      {"AUTH_JWT_HS256_SECRET", "(unset)", "HS256 shared secret (raw bytes of the value)."},
      {"AUTH_JWT_RS256_PUBLIC_KEY", "(unset)",
       "RS256 public key PEM (SPKI or PKCS#1, real newlines); wins over HS256."},
      {"AUTH_JWT_JWKS_URL", "(unset)",
       "JWKS endpoint (RS256/ES256 keys by kid; cache 300 s, refresh >= 30 s, timeout 5 s); wins "
       "over the static keys. Unset with only AUTH_JWT_ISSUER set → "
       "{issuer}/.well-known/jwks.json."},
      {"AUTH_JWT_ISSUER", "(unset)",
       "Expected JWT iss, required in the token when set (required for smoo)."},
      {"AUTH_JWT_AUDIENCE", "(unset)", "Expected JWT aud, required in the token when set."},
      {"SMOOTH_AGENT_LOCAL_TOKEN", "(unset)",
       "The shared secret of AUTH_MODE=local-token (required there); grants Admin local/local."},
      {"AUTH_DEV_ORG_ID", "dev-org", "Principal org in AUTH_MODE=none."},
      {"SMOOTH_AGENT_DRAIN_TIMEOUT_SECS", "25",
       "On SIGTERM/SIGINT, how long in-flight turns may finish (0–86400 s)."},
      {"SMOOTH_AGENT_MAX_FRAME_BYTES", "1048576",
       "Largest inbound WebSocket frame (>= 1024); larger → close 1009."},
      {"SMOOTH_AGENT_MAX_OUTBOUND_BYTES", "4194304",
       "Per-connection outbound queue bound (>= 1024); over → close 4008 \"slow consumer\"."},
      {"SMOOTH_AGENT_CONFIRM_TIMEOUT_SECS", "300",
       "How long a gated tool call waits for confirm_tool_action (> 0 s)."},
      {"SMOOTH_AGENT_NATS_LEGACY_SUBJECT", "0",
       "0 | 1 | true | false: also speak the reference envelope on smooth-operator.backplane."},
      {"SMOOTH_AGENT_NATS_CREDS", "(unset)",
       "NATS user credentials file (.creds: JWT + NKey seed)."},
      {"SMOOTH_AGENT_NATS_TLS_CA", "(unset)",
       "PEM CA bundle that verifies the NATS server's certificate; setting it requires TLS."},
      {"SMOOTH_AGENT_KNOWLEDGE_FILE", "(unset)",
       "JSON array of documents {source, content, ...} ingested at startup."},
      {"SMOOTH_AGENT_TOOLS_FILE", "(unset)", "JSON file of extra tools offered to the model."},
      {"SMOOTH_AGENT_WORKER_THREADS", "2",
       "Ignored: actors run on the io threads (still accepted, 1–64)."},
      {"SMOOTH_AGENT_SESSION_IDLE_SECS", "1800",
       "Idle time after which an in-process session is evicted (> 0 s)."},
      {"SMOOTH_AGENT_LOG_LEVEL", "info", "trace | debug | info | warn | error | critical | off."},
      {"SMOOTH_AGENT_LOG_FORMAT", "text",
       "text | json: json writes one object per line {ts, level, msg, conn, session, turn}."},
      {"SMOOTH_AGENT_IO_THREADS", "(number of cores)",
       "Threads that own sockets and run the actors homed on them (1–64)."},
      {"SMOOTH_AGENT_MAX_CONNECTIONS", "50000",
       "Open WebSocket connections; at the bound the upgrade is refused with HTTP 503."},
      {"SMOOTH_AGENT_MAX_FRAMES_PER_SEC", "5000",
       "Inbound frames per second per connection (0 = unlimited); over → RATE_LIMITED error."},
      {"SMOOTH_AGENT_MAX_INBOUND_FRAMES", "64",
       "Frames read but not yet handled per connection; at the bound the socket stops reading."},
      {"SMOOTH_AGENT_MAX_INBOUND_BYTES", "1048576",
       "Bytes read but not yet handled per connection (>= 1024); at the bound reading stops."},
      {"SMOOTH_AGENT_MALLOC_HUGE_PAGES", "1",
       "0 | 1 | true | false: glibc's heaps on transparent huge pages (the binary re-executes "
       "itself once at start with glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES; an operator's "
       "own glibc.malloc.hugetlb stands). 0: the kernel's default pages."},
      {"SMOOTH_AGENT_STORAGE_WORKERS", "4",
       "Storage worker threads (1–256), sharded by conversation id."},
      {"SMOOTH_AGENT_STORAGE_QUEUE", "1024",
       "Storage jobs queued across all workers; over → STORAGE_BUSY error at once."},
      {"SMOOTH_AGENT_STORAGE_TIMEOUT_MS", "5000",
       "Deadline of one storage job; a job not started by then is not run (STORAGE_TIMEOUT)."},
      {"SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES", "262144",
       "Largest webhook or MCP tool result (>= 1024); over → the tool call fails."},
      // ---- WebSocket identity (issue 8) ----
      {"SMOOTH_AGENT_WS_AUTH_REQUIRED", "0",
       "0 | 1 | true | false: a /ws upgrade without a valid ?token= is refused with HTTP 401 "
       "instead of connecting anonymously."},
      // ---- admin HTTP API (issue 8, admin) ----
      {"SMOOTH_AGENT_MAX_HTTP_BODY_BYTES", "1048576",
       "Largest HTTP request body, e.g. on /admin (>= 1024); over → 413 and the connection "
       "closes."},
      // ---- admin stores on PostgreSQL (issue 9, pgtenant) ----
      {"SMOOTH_AGENT_SETTINGS_REFRESH_SECS", "5",
       "With postgres storage: how often each process reloads the org personas from the "
       "database (1–3600 s); another process's PUT /admin/settings reaches turns here within "
       "this."},
      // ---- turn lease (issue 9 item 5, helper "lease") ----
      {"SMOOTH_AGENT_TURN_LEASE_SECS", "60",
       "Lifetime of a session's turn lease in storage (1–86400 s), renewed every third of it "
       "while the turn runs: with processes sharing one database, a second send_message on a "
       "session whose turn runs elsewhere gets TURN_IN_PROGRESS; a crashed process's lease "
       "expires after this long."},
      // ---- knowledge ingestion (issue 11, helper "ingest") ----
      {"SMOOTH_AGENT_FILE_CONNECTOR_ROOT", "(unset)",
       "Directory file connectors are confined to (symlinks resolved); a connector path outside "
       "it is refused with 400. Unset: any path the server may read."},
      {"SMOOTH_AGENT_WEB_CONNECTOR_MAX_BYTES", "5242880",
       "Largest page a web connector fetches (>= 1); a larger one fails the indexing run."},
      {"SMOOTH_AGENT_WEB_CONNECTOR_TIMEOUT_MS", "30000",
       "Deadline of each web connector fetch, per redirect hop (connect: at most 10 s of it)."},
      {"SMOOTH_AGENT_WEB_CONNECTOR_ALLOW_LOOPBACK", "0",
       "TEST ONLY (0 | 1 | true | false): lets the web connector's SSRF guard pass 127.0.0.1 so "
       "tests can serve pages locally. Never set it in production."},
      {"SMOOTH_AGENT_GITHUB_API_URL", "https://api.github.com",
       "GitHub REST API base of github connectors (GitHub Enterprise, or a test's fake)."},
      // ---- metrics (issue 13, coordinator) ----
      {"SMOOTH_AGENT_METRICS_TOKEN", "(unset)",
       "When set, GET /metrics (Prometheus text format) needs `Authorization: Bearer <token>` "
       "(else 401); unset: /metrics is open (bind to a private address or set a token)."},
      // ---- MCP tools (issue 13 item 7, helper "mcp") ----
      {"SMOOTH_AGENT_MCP_CONFIG", "(unset)",
       "JSON file {\"mcpServers\": {name: {command, args, env, url, bearer_token, disabled, "
       "timeout_secs, connect_timeout_secs}}}: the MCP servers whose tools join every turn as "
       "mcp__<server>__<tool> (docs/mcp.md). A missing or invalid file stops startup; a server "
       "that fails is skipped with a warning and retried with backoff."},
      // ---- web chat page (issue 13, helper "web") ----
      {"SMOOTH_AGENT_WEB_UI", "1",
       "0 | 1 | true | false: serve the web chat page at / (assets under /web/, embedded in the "
       "binary). 0: / is 404."},
      // ---- Rich Interactions (issue 12, helper "interact") ----
      {"SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS", "300",
       "How long a parked Rich Interaction (interaction_required) waits for submit_interaction "
       "(> 0 s); then the model gets status no_response and a late submit gets "
       "NO_PENDING_INTERACTION."},
      // ---- conversations and send_message extensions (issue 12, helper "convo") ----
      {"SMOOTH_AGENT_TITLE_MODEL", "groq-gpt-oss-20b",
       "Model of the auto-titler (a default-named conversation is titled after a successful "
       "turn); set to an empty value to disable auto-titling."},
      {"SMOOTH_AGENT_ALLOWED_MODELS", "(empty)",
       "Comma list of the models send_message.model may name; any other model (or any model "
       "while the list is empty) is refused with VALIDATION_ERROR."},
      {"SMOOTH_SKILLS_DIR", "(unset)",
       "':'-separated skill roots searched in order for <root>/<name>/SKILL.md "
       "(send_message.skill); unset = every skill is SKILL_NOT_FOUND."},
      // ---- eventual_response additions and stream_preamble (issue 12, helper "reply") ----
      {"SMOOTH_AGENT_PREAMBLE_MODEL", "(unset)",
       "Fast gateway model of stream_preamble: one short 'what I am about to do' line per turn, "
       "sent only while no answer token has arrived. Unset or empty: no preamble."},
      // ---- OTP identity verification (issue 12, helper "otp") ----
      {"SMOOTH_AGENT_AUTH_TOOLS", "(unset)",
       "Comma list of tools the OTP gate guards: name (= end_user) or name:end_user|admin|none. An "
       "end_user tool is refused until the session passes verify_otp; an admin tool is always "
       "refused (agents are public-facing)."},
      {"SMOOTH_AGENT_OTP_URL", "(unset)",
       "OTP webhook (POST JSON, docs/protocol.md); unset = no OTP service: verify_otp answers "
       "otp_invalid NOT_FOUND and gated tools stay refused."},
      {"SMOOTH_AGENT_OTP_TOKEN", "(unset)", "Sent to the OTP webhook as Authorization: Bearer."},
      {"SMOOTH_AGENT_OTP_TIMEOUT_MS", "5000",
       "Deadline of one OTP webhook call (> 0); past it a send is OTP_SEND_FAILED and a verify "
       "fails closed."},
      // ---- knowledge retrieval: embedder, reranker, ranking (issue 11, helper "knowledge") ----
      {"SMOOTH_AGENT_EMBEDDER", "auto",
       "auto | deterministic | gateway. auto: the gateway embedder (POST {SMOOAI_GATEWAY_URL}"
       "/embeddings) when SMOOAI_GATEWAY_KEY is set, else the deterministic one (warning). gateway "
       "without a key stops startup."},
      {"SMOOTH_AGENT_EMBEDDING_MODEL", "text-embedding-3-small", "Gateway embedder model."},
      {"SMOOTH_AGENT_EMBEDDING_DIM", "1536 gateway, 1024 deterministic",
       "Embedding width (1-65536); a gateway vector of another width fails the call."},
      {"SMOOTH_AGENT_EMBEDDING_BATCH", "64",
       "Texts per gateway embeddings request (1-2048); larger inputs go in several requests."},
      {"SMOOTH_AGENT_GATEWAY_KNOWLEDGE_TIMEOUT_MS", "30000",
       "Deadline of one gateway embeddings or rerank call."},
      {"SMOOTH_AGENT_RERANK_MODEL", "rerank-english-v3.0", "Gateway reranker model."},
      {"SMOOTH_AGENT_KNOWLEDGE_RANKING", "hybrid",
       "In-memory knowledge ranking: hybrid (dense + full-text RRF, as PostgreSQL) | lexical "
       "(the reference's in-memory word scoring)."},
      // ---- traces: OTLP/HTTP JSON export (issue 13 item 5, helper "otel") ----
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "(unset)",
       "OTLP/HTTP base URL (http or https): spans are POSTed as JSON to {it}/v1/traces. Unset: "
       "no tracing."},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "(unset)",
       "Full traces URL, used as is; wins over OTEL_EXPORTER_OTLP_ENDPOINT."},
      {"OTEL_TRACES_EXPORTER", "otlp", "otlp | none (none: no tracing)."},
      {"OTEL_SDK_DISABLED", "false", "true: no tracing."},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
       "http/json | http/protobuf (JSON is sent either way); grpc stops startup."},
      {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json",
       "As OTEL_EXPORTER_OTLP_PROTOCOL, for traces."},
      {"OTEL_SERVICE_NAME", "smooth-operator", "service.name of every span's resource."},
      {"OTEL_RESOURCE_ATTRIBUTES", "(empty)",
       "key=value,... resource attributes (values percent-encoded)."},
      {"OTEL_EXPORTER_OTLP_HEADERS", "(empty)",
       "key=value,... headers of every export request (values percent-encoded)."},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "(empty)",
       "As OTEL_EXPORTER_OTLP_HEADERS, for traces; wins on the same key."},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "2048",
       "Spans waiting for export; at the bound a span is dropped and counted, never waited for."},
      {"OTEL_BSP_SCHEDULE_DELAY", "5000", "Milliseconds between exports of a partial batch."},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512", "Spans per export request (<= the queue size)."},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "10000", "Deadline of one export request, in milliseconds."},
      {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10000",
       "As OTEL_EXPORTER_OTLP_TIMEOUT, for traces; wins."},
  };
  return kVariables;
}

}  // namespace so::adapters
