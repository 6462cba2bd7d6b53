// adapters/config/server_config.hpp — every environment variable, in one place.
//
// The reference's variables keep their names, defaults and parse rules
// (storage-backplane.md §8.1, protocol.md §1.8); ours use the SMOOTH_AGENT_
// prefix (decisions.md). An invalid value for a variable we own throws
// `config_error` naming the variable. The README's configuration table is
// generated from the same list (`config_variables()`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::adapters {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class storage_backend { memory, postgres, dynamodb };
enum class backplane_backend { memory, nats, redis };
/// SMOOTH_AGENT_EMBEDDER (storage-backplane.md §5.2).
enum class embedder_choice { automatic, deterministic, gateway };
/// SMOOTH_AGENT_KNOWLEDGE_RANKING: how the in-memory knowledge base ranks.
enum class knowledge_ranking_choice { hybrid, lexical };

struct server_config {
  // ---- listener (reference) ----
  std::string bind = "127.0.0.1";  ///< SMOOTH_AGENT_BIND; non-IP → 127.0.0.1 silently
  std::uint16_t port = 8787;       ///< SMOOTH_AGENT_PORT; unparseable → 8787

  // ---- LLM (reference) ----
  std::string gateway_url = "https://llm.smoo.ai/v1";  ///< SMOOAI_GATEWAY_URL
  std::string gateway_key;                             ///< SMOOAI_GATEWAY_KEY (empty = unset)
  std::string model = "claude-haiku-4-5";              ///< SMOOTH_AGENT_MODEL
  unsigned max_iterations = 6;                         ///< SMOOTH_AGENT_MAX_ITERATIONS
  unsigned max_tokens = 512;                           ///< SMOOTH_AGENT_MAX_TOKENS
  std::string rerank;  ///< SMOOTH_AGENT_RERANK, raw (reranker_factory.hpp parses it)
  std::vector<std::string> confirm_tools;  ///< SMOOTH_AGENT_CONFIRM_TOOLS
  bool seed_kb = false;                    ///< SMOOTH_AGENT_SEED_KB == "1"

  // ---- storage and backplane (reference) ----
  storage_backend storage = storage_backend::memory;  ///< SMOOTH_AGENT_STORAGE
  std::optional<std::string> database_url;    ///< SMOOTH_AGENT_DATABASE_URL, then DATABASE_URL
  std::string ddb_table = "smooth-operator";  ///< SMOOTH_AGENT_DDB_TABLE
  backplane_backend backplane = backplane_backend::memory;  ///< SMOOTH_AGENT_BACKPLANE
  std::optional<std::string>
      backplane_url;  ///< SMOOTH_AGENT_BACKPLANE_URL (+ NATS/REDIS fallbacks)

  // ---- widget auth (reference) ----
  bool widget_auth_strict = false;                ///< WIDGET_AUTH_STRICT
  std::optional<std::string> widget_auth_url;     ///< WIDGET_AUTH_URL
  std::optional<std::string> widget_auth_bearer;  ///< WIDGET_AUTH_BEARER
  std::uint64_t widget_auth_ttl_secs = 60;        ///< WIDGET_AUTH_TTL_SECS
  /// SMOOTH_AGENT_WIDGET_POLICIES_FILE (ours): static embed policies, a JSON object
  /// agentId → policy (admin-auth.md §4.2); exclusive with WIDGET_AUTH_URL.
  std::optional<std::string> widget_policies_file;

  // ---- auth (issue 8, helper "auth"; admin-auth.md §1.2, §9; docs/auth.md) ----
  /// SMOOTH_AGENT_AUTH_MODE, else its alias AUTH_MODE; trimmed, lower-cased, blank =
  /// unset. Not validated here: adapters/auth/auth_factory.hpp refuses unknown modes.
  std::optional<std::string> auth_mode;
  std::optional<std::string> auth_jwt_hs256_secret;      ///< AUTH_JWT_HS256_SECRET
  std::optional<std::string> auth_jwt_rs256_public_key;  ///< AUTH_JWT_RS256_PUBLIC_KEY (PEM)
  std::optional<std::string> auth_jwt_issuer;            ///< AUTH_JWT_ISSUER
  std::optional<std::string> auth_jwt_audience;          ///< AUTH_JWT_AUDIENCE
  std::optional<std::string> auth_jwt_jwks_url;          ///< AUTH_JWT_JWKS_URL
  std::optional<std::string> auth_local_token;           ///< SMOOTH_AGENT_LOCAL_TOKEN
  std::string auth_dev_org_id = "dev-org";               ///< AUTH_DEV_ORG_ID

  // ---- ours (decisions.md and issues) ----
  std::chrono::seconds drain_timeout{25};              ///< SMOOTH_AGENT_DRAIN_TIMEOUT_SECS
  std::size_t max_frame_bytes = 1 << 20;               ///< SMOOTH_AGENT_MAX_FRAME_BYTES
  std::size_t max_outbound_bytes = 4 << 20;            ///< SMOOTH_AGENT_MAX_OUTBOUND_BYTES
  std::chrono::milliseconds confirm_timeout{300'000};  ///< SMOOTH_AGENT_CONFIRM_TIMEOUT_SECS
  bool nats_legacy_subject = false;                    ///< SMOOTH_AGENT_NATS_LEGACY_SUBJECT
  // ---- NATS backplane (issue 10; docs/scale-out.md) ----
  std::optional<std::string> nats_creds;      ///< SMOOTH_AGENT_NATS_CREDS (a .creds file)
  std::optional<std::string> nats_tls_ca;     ///< SMOOTH_AGENT_NATS_TLS_CA (PEM; enables TLS)
  std::optional<std::string> knowledge_file;  ///< SMOOTH_AGENT_KNOWLEDGE_FILE
  std::optional<std::string> tools_file;      ///< SMOOTH_AGENT_TOOLS_FILE
  unsigned worker_threads = 2;                ///< SMOOTH_AGENT_WORKER_THREADS (CAF)
  unsigned io_threads = 0;  ///< SMOOTH_AGENT_IO_THREADS; 0 = one per core (resolved at boot)
  std::chrono::seconds session_idle_timeout{1800};  ///< SMOOTH_AGENT_SESSION_IDLE_SECS
  // ---- logs (issue 13, item 6): level and line format ----
  std::string log_level = "info";   ///< SMOOTH_AGENT_LOG_LEVEL
  std::string log_format = "text";  ///< SMOOTH_AGENT_LOG_FORMAT: text | json (one object a line)

  // ---- runtime limits (issue 7; each documented in README with its default) ----
  std::size_t max_connections = 50'000;     ///< SMOOTH_AGENT_MAX_CONNECTIONS; full → HTTP 503
  unsigned max_frames_per_sec = 5000;       ///< SMOOTH_AGENT_MAX_FRAMES_PER_SEC; 0 = unlimited
  std::size_t max_inbound_frames = 64;      ///< SMOOTH_AGENT_MAX_INBOUND_FRAMES (in flight)
  std::size_t max_inbound_bytes = 1 << 20;  ///< SMOOTH_AGENT_MAX_INBOUND_BYTES (in flight)
  /// SMOOTH_AGENT_MALLOC_HUGE_PAGES: glibc's heaps on transparent huge pages. Acted on
  /// before the config is read (net/heap_huge_pages.hpp); parsed here to refuse bad values.
  bool malloc_huge_pages = true;
  unsigned storage_workers = 4;      ///< SMOOTH_AGENT_STORAGE_WORKERS
  std::size_t storage_queue = 1024;  ///< SMOOTH_AGENT_STORAGE_QUEUE (jobs, all workers)
  std::chrono::milliseconds storage_timeout{5000};  ///< SMOOTH_AGENT_STORAGE_TIMEOUT_MS
  std::size_t max_tool_result_bytes = 256 << 10;    ///< SMOOTH_AGENT_MAX_TOOL_RESULT_BYTES

  // ---- WebSocket identity (issue 8, docs/tenancy.md) ----
  bool ws_auth_required = false;  ///< SMOOTH_AGENT_WS_AUTH_REQUIRED: no valid ?token= → 401
  // ---- admin HTTP API (issue 8, admin) ----
  std::uint64_t max_http_body_bytes = 1 << 20;  ///< SMOOTH_AGENT_MAX_HTTP_BODY_BYTES; over → 413
  // ---- admin stores on PostgreSQL (issue 9, pgtenant) ----
  /// SMOOTH_AGENT_SETTINGS_REFRESH_SECS: how often the persona snapshot is reloaded
  /// from the database (other processes' settings writes are seen within this).
  std::chrono::seconds settings_refresh{5};
  // ---- turn lease (issue 9 item 5, helper "lease") ----
  /// SMOOTH_AGENT_TURN_LEASE_SECS: how long a session's turn lease lasts without a
  /// renew (renewed every third of it while the turn runs); a crashed process's lease
  /// expires after it.
  std::chrono::seconds turn_lease{60};
  // ---- knowledge ingestion (issue 11, helper "ingest") ----
  /// SMOOTH_AGENT_FILE_CONNECTOR_ROOT: file connectors may read only below it
  /// (unset = anywhere the server process may read).
  std::optional<std::string> file_connector_root;
  /// SMOOTH_AGENT_WEB_CONNECTOR_MAX_BYTES: the largest page a web connector fetches.
  std::uint64_t web_connector_max_bytes = 5u << 20;
  /// SMOOTH_AGENT_WEB_CONNECTOR_TIMEOUT_MS: the deadline of each fetch (per redirect hop).
  std::chrono::milliseconds web_connector_timeout{30'000};
  /// SMOOTH_AGENT_WEB_CONNECTOR_ALLOW_LOOPBACK: TEST ONLY — let the SSRF guard pass
  /// 127.0.0.1 (tests serve pages locally). Off in production.
  bool web_connector_allow_loopback = false;
  /// SMOOTH_AGENT_GITHUB_API_URL: the GitHub REST API base of github connectors.
  std::string github_api_url = "https://api.github.com";
  // ---- metrics (issue 13, coordinator) ----
  /// SMOOTH_AGENT_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`.
  std::string metrics_token;
  // ---- MCP tools (issue 13 item 7, helper "mcp"; docs/mcp.md) ----
  /// SMOOTH_AGENT_MCP_CONFIG: the `{"mcpServers": {...}}` JSON file of MCP servers whose
  /// tools join every turn; unset = no MCP. Read at startup (a bad file stops it).
  std::optional<std::string> mcp_config;
  // ---- web chat page (issue 13, helper "web") ----
  /// SMOOTH_AGENT_WEB_UI: serve the embedded chat page at `/` and `/web/<file>`.
  bool web_ui = true;
  // ---- Rich Interactions (issue 12, helper "interact") ----
  /// SMOOTH_AGENT_INTERACTION_TIMEOUT_SECS: how long a parked interaction waits for
  /// submit_interaction before the model gets `no_response` (the reference's constant 300).
  std::chrono::milliseconds interaction_timeout{300'000};
  // ---- conversations and send_message extensions (issue 12, helper "convo") ----
  /// SMOOTH_AGENT_TITLE_MODEL: the model of the auto-titler (later-protocol.md §2.6);
  /// set but empty (after trimming) disables auto-titling.
  std::string title_model = "groq-gpt-oss-20b";
  /// SMOOTH_AGENT_ALLOWED_MODELS: the models `send_message.model` may name (comma list,
  /// trimmed, empties dropped); empty = no per-turn override is allowed.
  std::vector<std::string> allowed_models;
  /// SMOOTH_SKILLS_DIR: the skill roots (`:`-separated, trimmed, empties dropped),
  /// searched in order for `<root>/<name>/SKILL.md`; empty = no skill resolves.
  std::vector<std::string> skills_dirs;
  // ---- eventual_response additions and stream_preamble (issue 12, helper "reply") ----
  /// SMOOTH_AGENT_PREAMBLE_MODEL: the fast model of `stream_preamble` (later-protocol.md
  /// §4.1), trimmed; empty = no preamble. Used only with the real gateway.
  std::string preamble_model;
  // ---- OTP identity verification (issue 12, helper "otp") ----
  /// SMOOTH_AGENT_AUTH_TOOLS: the tools the OTP auth gate guards (comma list, trimmed,
  /// empties dropped; `name` or `name:end_user|admin|none`, bare = end_user;
  /// adapters/auth/otp_tool_gate.hpp). Empty: the gate is off.
  std::vector<std::string> auth_tools;
  /// SMOOTH_AGENT_OTP_URL: the OTP webhook (net/otp_webhook.hpp); empty = no OTP service
  /// (verify_otp fails closed, gated tools stay refused).
  std::string otp_url;
  /// SMOOTH_AGENT_OTP_TOKEN: sent as `Authorization: Bearer <it>` to the webhook.
  std::string otp_token;
  /// SMOOTH_AGENT_OTP_TIMEOUT_MS: deadline of one webhook call.
  std::chrono::milliseconds otp_timeout{5000};
  // ---- knowledge retrieval: embedder, reranker, ranking (issue 11, helper "knowledge") ----
  /// SMOOTH_AGENT_EMBEDDER: auto | deterministic | gateway. From the environment, unset
  /// means `automatic` (§5.2: the gateway embedder when SMOOAI_GATEWAY_KEY is non-blank,
  /// else the deterministic one with a warning). A default-constructed config (an
  /// embedding host, the tests) keeps `deterministic`: a gateway key set for chat then
  /// never sends documents to the embeddings endpoint unless asked.
  embedder_choice embedder = embedder_choice::deterministic;
  /// SMOOTH_AGENT_EMBEDDING_MODEL: the gateway embedder's model.
  std::string embedding_model = "text-embedding-3-small";
  /// SMOOTH_AGENT_EMBEDDING_DIM: the embedding width; 0 = the embedder's default
  /// (1536 gateway, 1024 deterministic).
  std::size_t embedding_dim = 0;
  /// SMOOTH_AGENT_EMBEDDING_BATCH: texts per gateway embeddings request (1–2048).
  std::size_t embedding_batch = 64;
  /// SMOOTH_AGENT_GATEWAY_KNOWLEDGE_TIMEOUT_MS: deadline of one embeddings or rerank call.
  std::chrono::milliseconds gateway_knowledge_timeout{30'000};
  /// SMOOTH_AGENT_RERANK_MODEL: the gateway reranker's model.
  std::string rerank_model = "rerank-english-v3.0";
  /// SMOOTH_AGENT_KNOWLEDGE_RANKING: hybrid (dense + sparse RRF, as PostgreSQL) | lexical
  /// (the reference's in-memory word scoring). PostgreSQL always ranks hybrid.
  knowledge_ranking_choice knowledge_ranking = knowledge_ranking_choice::hybrid;
  // ---- traces: OTLP/HTTP JSON export (issue 13 item 5, helper "otel"; docs/observability.md) ----
  /// Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else
  /// OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces". Unset, OTEL_TRACES_EXPORTER=none or
  /// OTEL_SDK_DISABLED=true: tracing is off and no span is built.
  std::optional<std::string> otel_traces_url;
  std::string otel_service_name = "smooth-operator";  ///< OTEL_SERVICE_NAME
  /// OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_TRACES_HEADERS (same key: it wins).
  std::vector<std::pair<std::string, std::string>> otel_headers;
  /// OTEL_RESOURCE_ATTRIBUTES (service.name there loses to OTEL_SERVICE_NAME).
  std::vector<std::pair<std::string, std::string>> otel_resource_attributes;
  std::size_t otel_max_queue = 2048;                      ///< OTEL_BSP_MAX_QUEUE_SIZE
  std::chrono::milliseconds otel_schedule_delay{5000};    ///< OTEL_BSP_SCHEDULE_DELAY
  std::size_t otel_max_batch = 512;                       ///< OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds otel_export_timeout{10'000};  ///< OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT
  /// Not a variable: how long shutdown waits for the last spans to be exported.
  std::chrono::milliseconds otel_shutdown_timeout{5000};

  bool llm_enabled() const { return !gateway_key.empty(); }
};

/// Reads one variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const char* name)>;

/// The process environment.
env_lookup process_env();

/// 0 | 1 | true | false in any case, surrounding spaces ignored; nullopt otherwise.
/// The one reading of every on/off variable we own.
std::optional<bool> parse_flag(std::string_view value);

/// Builds the config. Throws config_error naming the variable on invalid values
/// of variables we own, and on reference boot errors (e.g. postgres without URL).
server_config load_config(const env_lookup& env);

/// One documented variable (for the README table and `--help`).
struct config_variable {
  const char* name;
  const char* default_value;
  const char* meaning;
};
const std::vector<config_variable>& config_variables();

}  // namespace so::adapters
