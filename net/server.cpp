// net/server.cpp — boot, wiring and shutdown of one server (see net/server.hpp).
#include "net/server.hpp"

#include "actors/activity_registry.hpp"
#include "actors/backplane_actor.hpp"
#include "actors/connection_bridge.hpp"
#include "actors/io_scheduler.hpp"
#include "actors/io_thread_pool.hpp"
#include "actors/knowledge_search.hpp"
#include "actors/messages.hpp"
#include "actors/services.hpp"
#include "actors/session_directory.hpp"
#include "actors/storage_pool.hpp"
#include "actors/unexpected_messages.hpp"
#include "actors/widget_policy_lookup.hpp"
#include "adapters/auth/auth_factory.hpp"
#include "adapters/auth/http_jwks_fetcher.hpp"
#include "adapters/auth/widget_providers.hpp"
#include "adapters/knowledge/embedder_factory.hpp"
#include "adapters/knowledge/knowledge_file.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/knowledge/postgres_knowledge.hpp"
#include "adapters/knowledge/reranker_factory.hpp"
#include "adapters/llm/gateway_provider.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "adapters/storage/postgres_storage.hpp"
#include "adapters/tenant/postgres_tenant_stores.hpp"
#include "adapters/tools/chained_tool_provider.hpp"
#include "adapters/tools/mcp_provider.hpp"
#include "adapters/tools/tools_file.hpp"
#include "net/admin_api.hpp"
#include "net/admin_model_costs.hpp"
#include "net/http_client_router.hpp"
#include "net/http_router.hpp"
#include "net/indexing_wiring.hpp"
#include "net/io_timer.hpp"
#include "net/json_poster.hpp"
#include "net/listener.hpp"
#include "net/mcp_connector.hpp"
#include "net/metrics_route.hpp"
#include "net/model_price_lookup.hpp"
#include "net/nats_bus.hpp"
#include "net/otlp_exporter.hpp"
#include "net/otp_webhook.hpp"
#include "net/url.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <pthread.h>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

namespace so::net {

using namespace std::chrono_literals;

namespace {

const char* backend_name(adapters::storage_backend b) {
  switch (b) {
    case adapters::storage_backend::memory:
      return "memory";
    case adapters::storage_backend::postgres:
      return "postgres";
    case adapters::storage_backend::dynamodb:
      return "dynamodb";
  }
  return "?";
}
const char* backend_name(adapters::backplane_backend b) {
  switch (b) {
    case adapters::backplane_backend::memory:
      return "memory";
    case adapters::backplane_backend::nats:
      return "nats";
    case adapters::backplane_backend::redis:
      return "redis";
  }
  return "?";
}

std::optional<actors::target_kind> parse_target_kind(const std::string& kind) {
  return actors::target_kind_named(kind, &actors::target_kind_names::admin);
}

/// CAF 0.17 pins its logger in a thread-local of every thread that spawns or
/// creates a scoped_actor, and ~actor_system waits until the logger is gone.
/// A foreign thread that touched the system must therefore let go before the
/// system can be destroyed from any thread: this guard does it on scope exit.
struct caf_thread_release {
  caf_thread_release() = default;
  caf_thread_release(const caf_thread_release&) = delete;
  caf_thread_release& operator=(const caf_thread_release&) = delete;
  ~caf_thread_release() { caf::logger::set_current_actor_system(nullptr); }
};

}  // namespace

/// A one-shot actor that asks the backplane for an org-restricted publish and hands
/// the count to `done` (no blocking: the admin handler is on an io thread).
void publish_async(caf::actor_system& sys, caf::actor backplane, actors::backplane_target target,
                   std::string org, std::string json,
                   std::function<void(std::optional<std::size_t>)> done) {
  auto ask = [backplane = std::move(backplane), target = std::move(target), org = std::move(org),
              json = std::move(json),
              done = std::move(done)](caf::event_based_actor* self, bool /*unused*/) {
    self->request(backplane, 5s, actors::publish_atom::value, target, make_frame(json), org)
        .then([done](std::size_t n) { done(n); }, [done](caf::error&) { done(std::nullopt); });
  };
  // The argument: CAF 0.17.6 binds a null tuple for an argument-less spawn (UBSan).
  sys.spawn(ask, true);
}

struct server::impl {
  server_options opts;
  // Torn down explicitly in `stop()`: io threads run until every actor is done,
  // then the sockets die (io_contexts) while the actor system is still alive.
  std::unique_ptr<actors::io_thread_pool> pool;
  std::unique_ptr<actors::io_scheduler_config> caf_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actors::services> svc;
  std::unique_ptr<listener> lst;
  /// MCP servers (SMOOTH_AGENT_MCP_CONFIG): their supervisors and children end in stop().
  std::shared_ptr<adapters::tools::mcp_provider> mcp;
  /// What /metrics reports; shared with the services, the storage pool, the gateway
  /// provider and the sockets.
  adapters::telemetry::server_metrics_ptr metrics =
      std::make_shared<adapters::telemetry::server_metrics>();
  /// Ships the turns' spans when OTLP tracing is configured (issue 13 item 5); null = off.
  std::unique_ptr<otlp_exporter> traces;
  std::once_flag stopped;
  std::uint16_t port = 0;  ///< kept: valid after shutdown too
  std::string bound_address;
  /// The gateway's model table: `/admin/model-costs` and the turns' `usage.costUsd`.
  std::shared_ptr<model_cost_cache> model_costs;

  explicit impl(server_options o) : opts(std::move(o)) {}

  void boot();
  /// The HTTP routes beside /ws and /health: the admin API.
  std::shared_ptr<const http_router> make_router(const http_client_ptr& http);
  void stop();
  /// The scrape values of /metrics (net/metrics_route.hpp), asked of the actors
  /// asynchronously.
  void gather_metrics(std::function<void(adapters::telemetry::scrape_values)> done);
  void drain_turns();
  /// The tracer and its exporter thread (issue 13 item 5; docs/observability.md).
  adapters::telemetry::tracer_ptr start_traces(const http_client_ptr& http);
  void close_sockets();
};

void server::impl::boot() {
  auto& cfg = opts.config;
  if (!opts.clock) opts.clock = std::make_shared<protocol::system_clock>();

  // ---- io threads and outbound HTTP (threads start later, with the actor system) ----
  pool = std::make_unique<actors::io_thread_pool>(cfg.io_threads);
  // One outbound client per io thread: a turn's LLM stream runs on the turn's thread.
  std::vector<http_client_ptr> clients;
  for (auto* io : pool->contexts()) clients.push_back(make_http_client(*io, opts.http));
  auto http = make_http_client_router(pool->contexts(), std::move(clients));

  // ---- auth first: a refusal (admin-auth.md §1.3) stops boot before anything else runs ----
  if (!opts.authenticator) {
    adapters::auth::auth_boot_deps deps;
    deps.clock = opts.clock;
    // JWKS fetches run on the io threads through the router (never blocking one).
    deps.jwks_fetcher_for = [http](const std::string& url) {
      return adapters::auth::make_http_jwks_fetcher(http, {url});
    };
    opts.authenticator = adapters::auth::make_authenticator(cfg, deps);
  }

  // ---- adapters (refuse what this build cannot do; never fall back silently) ----
  if (!opts.storage) {
    if (cfg.storage == adapters::storage_backend::postgres) {
      // Never a silent fallback: no URL (config refuses it) or an unreachable or
      // too-new database stops the boot, naming the variable.
      if (!cfg.database_url)
        throw std::runtime_error(
            "SMOOTH_AGENT_STORAGE=postgres needs SMOOTH_AGENT_DATABASE_URL (or DATABASE_URL)");
      try {
        adapters::postgres_storage::options po;
        po.max_connections = cfg.storage_workers;  // one connection per storage worker
        po.clock = opts.clock;
        opts.storage = std::make_shared<adapters::postgres_storage>(*cfg.database_url, po);
      } catch (const std::exception& e) {
        throw std::runtime_error(
            std::string("SMOOTH_AGENT_STORAGE=postgres: cannot use the database of "
                        "SMOOTH_AGENT_DATABASE_URL / DATABASE_URL: ") +
            e.what());
      }
    } else if (cfg.storage != adapters::storage_backend::memory) {
      throw std::runtime_error(std::string("SMOOTH_AGENT_STORAGE=") + backend_name(cfg.storage) +
                               " is not available in this build yet (memory, postgres)");
    } else {
      opts.storage = std::make_shared<adapters::memory_storage>(opts.clock);
    }
  }
  // ---- backplane: a NATS broker when asked for (a test may inject any bus) ----
  if (!opts.bus && cfg.backplane == adapters::backplane_backend::nats) {
    if (!cfg.backplane_url)
      throw std::runtime_error(
          "SMOOTH_AGENT_BACKPLANE=nats needs SMOOTH_AGENT_BACKPLANE_URL (or "
          "SMOOTH_AGENT_NATS_URL)");
    nats_bus_options no;
    no.urls = *cfg.backplane_url;
    no.creds_file = cfg.nats_creds;
    no.tls_ca_file = cfg.nats_tls_ca;
    try {
      opts.bus = connect_nats_bus(no);  // blocks while it connects: boot only
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("SMOOTH_AGENT_BACKPLANE=nats: ") + e.what());
    }
  } else if (!opts.bus && cfg.backplane != adapters::backplane_backend::memory) {
    throw std::runtime_error(std::string("SMOOTH_AGENT_BACKPLANE=") + backend_name(cfg.backplane) +
                             " is not available in this build (memory, nats)");
  }
  // ---- knowledge: on PostgreSQL with postgres storage (same URL), else in memory ----
  // The gateway embedder and reranker block on HTTP: they run only on the storage
  // pool's knowledge/indexing workers and in the boot ingest below (after the io
  // threads start). storage-backplane.md §5.2–§5.3.
  auto knowledge_poster = make_json_poster(http, {cfg.gateway_knowledge_timeout});
  auto reranker = adapters::make_reranker(cfg, knowledge_poster);
  if (!opts.knowledge_base) {
    auto embedder = adapters::make_embedder(cfg, knowledge_poster);
    if (cfg.storage == adapters::storage_backend::postgres) {
      if (!cfg.database_url)
        throw std::runtime_error(
            "SMOOTH_AGENT_STORAGE=postgres needs SMOOTH_AGENT_DATABASE_URL (or DATABASE_URL)");
      try {
        // Its own small pool: queries run on the storage pool's one knowledge worker.
        adapters::postgres_knowledge::options ko;
        ko.embedder = embedder;
        opts.knowledge_base =
            std::make_shared<adapters::postgres_knowledge>(*cfg.database_url, std::move(ko));
      } catch (const std::exception& e) {
        throw std::runtime_error(
            std::string("SMOOTH_AGENT_STORAGE=postgres: cannot use the database of "
                        "SMOOTH_AGENT_DATABASE_URL / DATABASE_URL for knowledge: ") +
            e.what());
      }
    } else {
      adapters::memory_knowledge_options mo;
      mo.ranking = cfg.knowledge_ranking == adapters::knowledge_ranking_choice::lexical
                       ? adapters::memory_ranking::lexical
                       : adapters::memory_ranking::hybrid;
      mo.embedder = embedder;
      opts.knowledge_base = std::make_shared<adapters::memory_knowledge>(std::move(mo));
    }
  }
  // Tenant stores (admin-auth.md §5): on the storage's PostgreSQL database when
  // storage is postgres (one small pool shared by the four, docs/tenancy.md), in
  // memory otherwise; a store a test or host injects wins. Their calls run on the
  // storage workers (postgres storage blocks, so the pool never runs jobs inline).
  const bool tenant_on_postgres =
      cfg.storage == adapters::storage_backend::postgres &&
      (!opts.connectors || !opts.settings || !opts.indexing_runs || !opts.document_sets);
  if (tenant_on_postgres) {
    if (!cfg.database_url)
      throw std::runtime_error(
          "SMOOTH_AGENT_STORAGE=postgres needs SMOOTH_AGENT_DATABASE_URL (or DATABASE_URL)");
    // Admin store calls run as storage-pool jobs, which run inline on the io thread
    // when the storage never blocks: never put blocking stores behind that.
    if (!opts.storage->may_block())
      throw std::runtime_error(
          "SMOOTH_AGENT_STORAGE=postgres: the admin stores need a storage adapter that runs "
          "on the storage workers (the injected one never blocks)");
    adapters::tenant::postgres_tenant_stores pg_stores;
    try {
      adapters::tenant::postgres_tenant_options to;
      to.clock = opts.clock;
      to.settings_refresh = cfg.settings_refresh;
      pg_stores = adapters::tenant::make_postgres_tenant_stores(*cfg.database_url, to);
    } catch (const std::exception& e) {
      throw std::runtime_error(
          std::string("SMOOTH_AGENT_STORAGE=postgres: cannot use the database of "
                      "SMOOTH_AGENT_DATABASE_URL / DATABASE_URL for the admin stores: ") +
          e.what());
    }
    if (!opts.connectors) opts.connectors = pg_stores.connectors;
    if (!opts.settings) opts.settings = pg_stores.settings;
    if (!opts.indexing_runs) opts.indexing_runs = pg_stores.indexing_runs;
    if (!opts.document_sets) opts.document_sets = pg_stores.document_sets;
  }
  if (!opts.connectors)
    opts.connectors = std::make_shared<adapters::tenant::memory_connector_config_store>();
  if (!opts.settings)
    opts.settings = std::make_shared<adapters::tenant::memory_settings_store>(opts.clock);
  if (!opts.indexing_runs)
    opts.indexing_runs = std::make_shared<adapters::tenant::memory_indexing_run_store>();
  if (!opts.document_sets)
    opts.document_sets = std::make_shared<adapters::tenant::memory_document_set_store>();
  // The boot documents are read now (a bad knowledge file stops boot early) and
  // ingested once the io threads run (below): a gateway embedder needs them.
  std::vector<adapters::document> boot_documents;
  if (cfg.seed_kb)
    for (auto& d : adapters::seed_documents()) boot_documents.push_back(std::move(d));
  if (cfg.knowledge_file)
    for (auto& d : adapters::load_documents_file(*cfg.knowledge_file))
      boot_documents.push_back(std::move(d));
  for (const auto& d : opts.knowledge) boot_documents.push_back(d);

  auto tools = opts.extra_tools;
  if (cfg.tools_file)
    for (auto& t :
         adapters::tools::load_tools_file(*cfg.tools_file, http, cfg.max_tool_result_bytes))
      tools.push_back(t);

  // MCP servers (docs/mcp.md): a bad config file stops startup here; the servers connect
  // on their own threads once the io threads run (below).
  std::optional<adapters::tools::mcp_config> mcp_servers;
  if (cfg.mcp_config) mcp_servers = adapters::tools::load_mcp_config_file(*cfg.mcp_config);

  // Embed policies (admin-auth.md §4.2): a bad policies file stops startup here.
  auto widget = opts.widget_policies;
  if (!widget) widget = adapters::auth::make_widget_policy_provider(cfg, http, opts.clock);

  auto llm = opts.llm_override;
  // The real gateway needs a key per turn: the org's (resolver), else the env key.
  const bool llm_needs_key = !llm && (cfg.llm_enabled() || opts.gateway_key_resolver);
  if (llm_needs_key) {
    adapters::llm::gateway_options g;
    g.base_url = cfg.gateway_url;
    g.api_key = cfg.gateway_key;
    g.metrics = metrics;
    // Retry backoff timers only (rare): the first io thread is as good as any.
    llm = adapters::llm::make_gateway_provider(http, make_io_timer(pool->context(0)), std::move(g));
  }

  // ---- actors: resumed on the io threads (actors/io_scheduler.hpp, stack.md §14) ----
  caf_cfg = std::make_unique<actors::io_scheduler_config>(pool->contexts());
  sys = std::make_unique<caf::actor_system>(*caf_cfg);
  pool->start();

  // Every boot-ingested document counts in its org's document sets (admin-auth.md §2.2).
  // Boot ingest runs here, on the booting thread, before anything is served: on
  // PostgreSQL each document is a blocking transaction and a gateway embedder a
  // blocking HTTP call on the now running io threads (fine at boot, never on an io
  // thread). Re-ingest replaces a document's chunks, so seeding is idempotent across
  // restarts and across processes booting at once on one database.
  for (const auto& d : boot_documents) {
    opts.knowledge_base->ingest(d);
    for (const auto& set : d.document_sets)
      opts.document_sets->record_document(d.organization_id, set, d.id);
  }

  svc = std::make_shared<actors::services>();
  svc->metrics = metrics;
  if (cfg.otel_traces_url) svc->tracer = start_traces(http);  // issue 13 item 5
  svc->config = cfg;
  svc->clock = opts.clock;
  svc->limits.json.max_depth = 64;
  svc->llm = llm;
  svc->llm_needs_key = llm_needs_key;
  svc->gateway_keys = opts.gateway_key_resolver;
  svc->extra_tools = std::move(tools);
  svc->host_tools = opts.host_tools;
  if (mcp_servers) {
    adapters::tools::mcp_provider_options mo;
    mo.max_result_bytes = cfg.max_tool_result_bytes;
    mo.client_version = SO_VERSION;
    mcp = std::make_shared<adapters::tools::mcp_provider>(std::move(*mcp_servers),
                                                          make_mcp_connector(http), std::move(mo));
    mcp->start();
    // After the host's tools: an MCP tool of the same name replaces a host one (§7.5).
    svc->host_tools =
        opts.host_tools ? std::make_shared<adapters::tools::chained_tool_provider>(
                              std::vector<adapters::tools::tool_provider_ptr>{opts.host_tools, mcp})
                        : adapters::tools::tool_provider_ptr(mcp);
  }
  // The org's settings persona first, then the host's (admin-auth.md §9).
  svc->persona = std::make_shared<adapters::tenant::fallback_persona_source>(
      opts.settings->persona_view(), opts.persona);
  svc->confirm = adapters::tools::confirm_policy(cfg.confirm_tools);
  svc->skills = std::make_shared<const adapters::llm::skill_library>(cfg.skills_dirs);  // issue 12
  model_costs = std::make_shared<model_cost_cache>(http, cfg.gateway_url, cfg.gateway_key);
  if (llm_needs_key) svc->model_prices = std::make_shared<model_price_lookup>(model_costs);
  svc->storage = std::make_shared<actors::storage_pool>(
      *sys, opts.storage, opts.knowledge_base,
      actors::storage_pool_options{cfg.storage_workers, cfg.storage_queue, cfg.storage_timeout,
                                   actors::storage_pool_options{}.indexing_queue_bound, metrics});
  svc->bus = opts.bus;  // null: this process alone
  svc->backplane = actors::spawn_backplane(
      *sys, svc->bus,
      actors::backplane_options{cfg.nats_legacy_subject, cfg.max_frame_bytes,
                                actors::backplane_options{}.max_handoff});
  svc->registry = actors::spawn_activity_registry(*sys);
  svc->knowledge_search = actors::make_knowledge_search(svc->storage, reranker);
  svc->widget_policies = widget;
  svc->widget_lookup = actors::spawn_widget_policy_lookup(*sys, widget);
  // Issue 12 (OTP): the gate, and the service's own workers (it may block on HTTP).
  svc->auth_gate = adapters::auth::otp_tool_gate(cfg.auth_tools);
  if (!opts.otp_service && !cfg.otp_url.empty())
    opts.otp_service = make_otp_webhook(make_json_poster(http, {cfg.otp_timeout, 64u * 1024u}),
                                        {cfg.otp_url, cfg.otp_token});
  if (opts.otp_service)
    svc->otp = std::make_shared<actors::otp_workers>(
        *sys, opts.otp_service, actors::otp_workers_options{2, 64, cfg.otp_timeout});
  svc->directory = actors::spawn_session_directory(*sys, svc);

  // ---- network ----
  listener_options lo;
  lo.bind_address = cfg.bind;
  lo.port = cfg.port;
  lo.max_frame_bytes = cfg.max_frame_bytes;
  lo.max_outbound_bytes = cfg.max_outbound_bytes;
  lo.max_connections = cfg.max_connections;
  lo.max_frames_per_sec = cfg.max_frames_per_sec;
  lo.max_inbound_frames = cfg.max_inbound_frames;
  lo.max_inbound_bytes = cfg.max_inbound_bytes;
  lo.authenticator = opts.authenticator;
  lo.ws_auth_required = cfg.ws_auth_required;
  lo.max_http_body_bytes = cfg.max_http_body_bytes;
  lo.web_ui = cfg.web_ui;
  lo.router = make_router(http);
  lo.metrics = metrics;
  lst =
      std::make_unique<listener>(pool->contexts(), lo, actors::make_connection_factory(*sys, svc));
  lst->start();
  port = lst->port();
  bound_address = lst->bound_address();
}

std::shared_ptr<const http_router> server::impl::make_router(const http_client_ptr& http) {
  router_options ro;
  ro.authenticator = opts.authenticator;
  ro.clock = opts.clock;
  auto router = std::make_shared<http_router>(std::move(ro));

  auto admin = std::make_shared<admin_services>();
  admin->storage = opts.storage;
  admin->connectors = opts.connectors;
  admin->settings = opts.settings;
  admin->runs = opts.indexing_runs;
  admin->document_sets = opts.document_sets;
  admin->clock = opts.clock;
  // Store calls run on the storage pool (inline only when the storage adapter never
  // blocks, as the in-memory stores never do either).
  admin->run_blocking = [pool = svc->storage](
                            const std::string& shard, std::function<void()> job,
                            std::function<void(std::string, std::string)> refused) {
    pool->post(
        shard, [job = std::move(job)](adapters::storage&, adapters::knowledge_base&) { job(); },
        [refused = std::move(refused)](actors::storage_failure f) {
          refused(std::string(f.code), std::move(f.message));
        });
  };
  admin->publish = [sys = sys.get(), backplane = svc->backplane](
                       const std::string& kind, const std::string& id, const std::string& org,
                       std::string json, std::function<void(std::optional<std::size_t>)> done) {
    auto k = parse_target_kind(kind);
    if (!k) return done(std::size_t{0});
    publish_async(*sys, backplane, actors::backplane_target{*k, id}, org, std::move(json),
                  std::move(done));
  };
  admin->model_costs = model_costs;
  add_indexing_services(*admin, svc->storage, opts.knowledge_base, opts.config, http);  // issue 11
  add_admin_routes(*router, std::move(admin));
  add_metrics_route(*router, {opts.config.metrics_token, metrics,
                              [this](std::function<void(adapters::telemetry::scrape_values)> done) {
                                gather_metrics(std::move(done));
                              }});
  return router;
}

void server::impl::gather_metrics(std::function<void(adapters::telemetry::scrape_values)> done) {
  adapters::telemetry::scrape_values v;
  v.version = SO_VERSION;
  if (const auto* l = lst.get()) {
    const auto& ns = l->stats();
    v.connections_open = ns.connections_open.load();
    v.connections_refused = ns.connections_refused.load();
    v.slow_consumer_closes = ns.slow_consumer_closes.load();
    v.rate_limited_frames = ns.rate_limited_frames.load();
  }
  v.storage_waiting = svc->storage->waiting_storage();
  v.knowledge_waiting = svc->storage->waiting_knowledge();
  v.indexing_waiting = svc->storage->waiting_indexing();
  if (opts.bus) {
    const auto b = opts.bus->stats();
    v.nats_connected = b.connected;
    v.nats_reconnects = b.reconnects;
  }
  // The live counts and the bridge's counters live in actors: asked, never awaited here.
  auto ask = [registry = svc->registry, backplane = svc->backplane, v = std::move(v),
              done = std::move(done)](caf::event_based_actor* self, bool /*unused*/) mutable {
    auto state = std::make_shared<adapters::telemetry::scrape_values>(std::move(v));
    self->request(registry, 5s, caf::get_atom::value)
        .then(
            [self, state, backplane, done](const actors::live_counts& c) {
              state->live_turns = c.turns;
              state->live_confirmations = c.confirmations;
              self->request(backplane, 5s, caf::get_atom::value)
                  .then(
                      [state, done](const actors::backplane_stats& b) {
                        state->backplane_published = b.bus_published;
                        state->backplane_publish_dropped = b.bus_publish_dropped;
                        state->backplane_received = b.bus_received;
                        state->backplane_delivered = b.bus_delivered;
                        state->backplane_dropped = b.dropped_handoff + b.dropped_too_large +
                                                   b.dropped_not_utf8 + b.dropped_not_json_object +
                                                   b.dropped_bad_envelope;
                        state->backplane_subscriptions = b.subscriptions;
                        state->backplane_sessions_forgotten = b.sessions_forgotten;
                        done(std::move(*state));
                      },
                      [state, done](caf::error&) { done(std::move(*state)); });
            },
            [state, done](caf::error&) { done(std::move(*state)); });
  };
  // The argument: CAF 0.17.6 binds a null tuple for an argument-less spawn (UBSan).
  sys->spawn(ask, true);
}

adapters::telemetry::tracer_ptr server::impl::start_traces(const http_client_ptr& http) {
  const auto& cfg = opts.config;
  namespace tel = adapters::telemetry;
  tel::tracer_options to;
  to.max_queue = cfg.otel_max_queue;
  to.max_batch = cfg.otel_max_batch;
  to.metrics = metrics;
  for (const auto& [k, v] : cfg.otel_resource_attributes) {
    if (k == "service.name") continue;  // OTEL_SERVICE_NAME (or its default) wins
    to.resource.attributes.push_back({k, v});
  }
  to.resource.attributes.insert(to.resource.attributes.begin(),
                                {"service.name", cfg.otel_service_name});
  to.resource.attributes.push_back({"service.version", std::string(SO_VERSION)});
  to.resource.attributes.push_back({"telemetry.sdk.language", std::string("cpp")});
  to.resource.scope_version = SO_VERSION;
  const auto gateway = parse_url(cfg.gateway_url);
  if (const auto* u = std::get_if<parsed_url>(&gateway)) {
    to.server_address = u->host;
    to.server_port = u->port;
  }
  if (auto bad = parse_url(*cfg.otel_traces_url); std::holds_alternative<std::string>(bad))
    throw std::runtime_error("OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: " +
                             std::get<std::string>(bad));
  auto tracer = std::make_shared<tel::tracer>(std::move(to));
  otlp_exporter_options eo;
  eo.url = *cfg.otel_traces_url;
  eo.headers = cfg.otel_headers;
  eo.export_timeout = cfg.otel_export_timeout;
  eo.schedule_delay = cfg.otel_schedule_delay;
  traces = std::make_unique<otlp_exporter>(tracer, http, std::move(eo));
  spdlog::info("traces: exporting OTLP/HTTP JSON to {}", *cfg.otel_traces_url);
  return tracer;
}

void server::impl::drain_turns() {
  caf_thread_release release;
  caf::scoped_actor self{*sys};
  // Sessions refuse new turns first, so a frame still queued cannot start one after the wait.
  self->request(svc->directory, opts.config.drain_timeout, actors::drain_atom::value)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  self->request(svc->registry, opts.config.drain_timeout, actors::await_atom::value)
      .receive([](caf::ok_atom) {},
               [](caf::error&) {
                 spdlog::warn("drain timeout reached with turns still running; closing anyway");
               });
}

void server::impl::close_sockets() {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  lst->close_all(1001, "going away", [done] { done->set_value(); });
  if (fut.wait_for(5s) != std::future_status::ready)
    spdlog::warn("some connections did not close within 5 s");
}

void server::impl::stop() {
  std::call_once(stopped, [this] {
    caf_thread_release release;
    if (!sys) return;
    if (lst) {
      lst->stop_accepting();
      lst->stop_reading();
      drain_turns();
      close_sockets();
    }
    // Exiting the roots takes everything down: the directory ends its sessions
    // (and they their turns), the registry ends every still-live tracked actor.
    if (svc) {
      for (auto& a : {svc->directory, svc->backplane, svc->registry, svc->widget_lookup})
        if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      if (svc->storage) svc->storage->stop();
      if (svc->otp) svc->otp->stop();
    }
    // After the drain (an MCP call may finish a turn), before the io threads stop (an
    // HTTP MCP server's calls run there): fails what is still pending, reaps the children.
    if (mcp) mcp->shutdown();
    // The actors run on the io threads: those must keep running until here.
    sys->await_all_actors_done();
    // Every turn has ended its spans: ship them (bounded) while the io threads still run.
    if (traces) traces->shutdown(opts.config.otel_shutdown_timeout);
    pool->stop();
    // Whatever is enqueued from now on (exits sent by dying sockets, CAF's own
    // shutdown) waits for the scheduler's stop() instead of a dead io_context.
    actors::io_scheduler::of(*sys)->detach_io_contexts();
    lst.reset();
    pool->destroy_contexts();  // remaining sockets die here, while the actor system is still alive
    svc.reset();
    // The broker link goes while the actor system still exists: a NATS bus closes its
    // connection here and waits until no handler of it runs any more.
    opts.bus.reset();
    opts.authenticator.reset();  // may hold the HTTP clients (JWKS): released with the services
    sys.reset();
    pool.reset();
  });
}

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  caf_thread_release release;
  try {
    impl_->boot();
  } catch (...) {
    if (impl_->sys) impl_->stop();
    throw;
  }
}

server::~server() {
  try {
    impl_->stop();
  } catch (const std::exception& e) {
    spdlog::error("shutdown failed: {}", e.what());
  }
}

std::uint16_t server::port() const {
  return impl_->port;
}
std::string server::bound_address() const {
  return impl_->bound_address;
}
std::string server::ws_url() const {
  return "ws://" + bound_address() + "/ws";
}

std::string server::startup_line() const {
  const auto& c = impl_->opts.config;
  return "smooth-operator-server listening on " + ws_url() + " (model=" + c.model +
         ", llm_enabled=" + (c.llm_enabled() ? "true" : "false") + ")";
}

void server::shutdown() {
  impl_->stop();
}

void server::run_until_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  shutdown();
}

std::size_t server::publish(const std::string& kind, const std::string& id,
                            const std::string& json) {
  auto k = parse_target_kind(kind);
  if (!k) throw std::invalid_argument("unknown target kind '" + kind + "'");
  caf_thread_release release;
  caf::scoped_actor self{*impl_->sys};
  std::size_t n = 0;
  self->request(impl_->svc->backplane, 5s, actors::publish_atom::value,
                actors::backplane_target{*k, id}, make_frame(json))
      .receive([&](std::size_t delivered) { n = delivered; },
               [](caf::error& e) { throw std::runtime_error(caf::to_string(e)); });
  return n;
}

std::vector<adapters::tools::mcp_server_status> server::mcp_status() const {
  return impl_->mcp ? impl_->mcp->status() : std::vector<adapters::tools::mcp_server_status>{};
}

server_stats server::stats() {
  server_stats out;
  caf_thread_release release;
  caf::scoped_actor self{*impl_->sys};
  self->request(impl_->svc->registry, 5s, caf::get_atom::value)
      .receive(
          [&](const actors::live_counts& c) {
            out.live_turns = c.turns;
            out.live_confirmations = c.confirmations;
            out.live_interactions = c.interactions;
            out.live_preambles = c.preambles;
          },
          [](caf::error& e) { throw std::runtime_error(caf::to_string(e)); });
  self->request(impl_->svc->backplane, 5s, actors::count_atom::value)
      .receive([&](std::size_t n) { out.attached_connections = n; },
               [](caf::error& e) { throw std::runtime_error(caf::to_string(e)); });
  self->request(impl_->svc->backplane, 5s, caf::get_atom::value)
      .receive([&](const actors::backplane_stats& b) { out.backplane = b; },
               [](caf::error& e) { throw std::runtime_error(caf::to_string(e)); });
  out.unexpected_messages = actors::unexpected_message_count(*impl_->sys);
  if (const auto* lst = impl_->lst.get()) {
    const auto& ns = lst->stats();
    out.connections_refused = ns.connections_refused.load();
    out.rate_limited_frames = ns.rate_limited_frames.load();
    out.inbound_pauses = ns.inbound_pauses.load();
    out.inbound_peak_bytes = ns.inbound_peak_bytes.load();
  }
  return out;
}

std::size_t server::io_threads() const {
  return impl_->pool ? impl_->pool->size() : 0;
}

caf::actor_system& server::system() {
  return *impl_->sys;
}

}  // namespace so::net
