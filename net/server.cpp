// net/server.cpp — boot, wiring and shutdown of one server (see net/server.hpp).
#include "net/server.hpp"

#include "actors/activity_registry.hpp"
#include "actors/backplane_actor.hpp"
#include "actors/connection_bridge.hpp"
#include "actors/messages.hpp"
#include "actors/services.hpp"
#include "actors/session_directory.hpp"
#include "actors/storage_actor.hpp"
#include "adapters/knowledge/knowledge_file.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/llm/gateway_provider.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "adapters/tools/knowledge_search_tool.hpp"
#include "adapters/tools/tools_file.hpp"
#include "net/io_timer.hpp"
#include "net/listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/all.hpp>

#include <pthread.h>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

namespace so::net {

namespace asio = boost::asio;
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
  if (kind == "connection") return actors::target_kind::connection;
  if (kind == "session") return actors::target_kind::session;
  if (kind == "user") return actors::target_kind::user;
  if (kind == "org") return actors::target_kind::org;
  if (kind == "agent") return actors::target_kind::agent;
  return std::nullopt;
}

/// The built-in knowledge_search, answered by the storage actor's thread.
adapters::tools::tool_ptr make_knowledge_search(caf::actor storage) {
  return std::make_shared<adapters::tools::knowledge_search_tool>(
      [storage](std::string query, std::size_t limit, adapters::access_context access, auto done) {
        caf::anon_send(
            storage, actors::run_atom::value,
            actors::storage_job{[query = std::move(query), limit, access = std::move(access), done](
                                    adapters::storage&, adapters::knowledge_base& kb) {
              try {
                done(kb.query(query, limit, access), std::nullopt);
              } catch (const std::exception& e) {
                done({}, std::string(e.what()));
              }
              return caf::make_message();
            }});
      });
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

struct server::impl {
  server_options opts;
  // Destroyed explicitly in `stop()`: sockets before the actor system, and the
  // io_context only after every actor that could post to it is gone.
  std::unique_ptr<asio::io_context> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread io_thread;
  std::unique_ptr<caf::actor_system_config> caf_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<actors::services> svc;
  std::unique_ptr<listener> lst;
  std::once_flag stopped;
  std::uint16_t port = 0;  ///< kept: valid after shutdown too
  std::string bound_address;

  explicit impl(server_options o) : opts(std::move(o)) {}

  void boot();
  void stop();
  void drain_turns();
  void close_sockets();
};

void server::impl::boot() {
  auto& cfg = opts.config;
  if (!opts.clock) opts.clock = std::make_shared<protocol::system_clock>();

  // ---- adapters (refuse what this build cannot do; never fall back silently) ----
  if (!opts.storage) {
    if (cfg.storage != adapters::storage_backend::memory)
      throw std::runtime_error(std::string("SMOOTH_AGENT_STORAGE=") + backend_name(cfg.storage) +
                               " is not available in this build yet (only memory)");
    opts.storage = std::make_shared<adapters::memory_storage>(opts.clock);
  }
  if (cfg.backplane != adapters::backplane_backend::memory)
    throw std::runtime_error(std::string("SMOOTH_AGENT_BACKPLANE=") + backend_name(cfg.backplane) +
                             " is not available in this build yet (only memory)");
  if (!opts.knowledge_base) opts.knowledge_base = std::make_shared<adapters::memory_knowledge>();
  if (cfg.seed_kb && cfg.storage == adapters::storage_backend::memory)
    for (const auto& d : adapters::seed_documents()) opts.knowledge_base->ingest(d);
  if (cfg.knowledge_file)
    for (const auto& d : adapters::load_documents_file(*cfg.knowledge_file))
      opts.knowledge_base->ingest(d);
  for (const auto& d : opts.knowledge) opts.knowledge_base->ingest(d);

  io = std::make_unique<asio::io_context>(1);
  work.emplace(io->get_executor());
  auto http = make_http_client(*io, opts.http);
  auto tools = opts.extra_tools;
  if (cfg.tools_file)
    for (auto& t : adapters::tools::load_tools_file(*cfg.tools_file, http)) tools.push_back(t);

  auto llm = opts.llm_override;
  if (!llm && cfg.llm_enabled()) {
    adapters::llm::gateway_options g;
    g.base_url = cfg.gateway_url;
    g.api_key = cfg.gateway_key;
    llm = adapters::llm::make_gateway_provider(http, make_io_timer(*io), std::move(g));
  }

  // ---- actors (stack.md §4.5: few workers, `sharing` scheduler) ----
  caf_cfg = std::make_unique<caf::actor_system_config>();
  caf_cfg->set("scheduler.max-threads", static_cast<std::size_t>(cfg.worker_threads));
  caf_cfg->set("scheduler.policy", caf::atom("sharing"));
  sys = std::make_unique<caf::actor_system>(*caf_cfg);

  svc = std::make_shared<actors::services>();
  svc->config = cfg;
  svc->clock = opts.clock;
  svc->limits.json.max_depth = 64;
  svc->llm = llm;
  svc->extra_tools = std::move(tools);
  svc->host_tools = opts.host_tools;
  svc->persona = opts.persona;
  svc->confirm = adapters::tools::confirm_policy(cfg.confirm_tools);
  svc->storage = actors::spawn_storage_actor(*sys, opts.storage, opts.knowledge_base);
  svc->backplane = actors::spawn_backplane(*sys);
  svc->registry = actors::spawn_activity_registry(*sys);
  svc->knowledge_search = make_knowledge_search(svc->storage);
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
  lst = std::make_unique<listener>(*io, lo, actors::make_connection_factory(*sys, svc));
  lst->start();
  port = lst->port();
  bound_address = lst->bound_address();
  io_thread = std::thread([ioc = io.get()] { ioc->run(); });
}

void server::impl::drain_turns() {
  caf_thread_release release;
  caf::scoped_actor self{*sys};
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
    lst->stop_accepting();
    lst->stop_reading();
    drain_turns();
    close_sockets();
    // Exiting the roots takes everything down: the directory ends its sessions
    // (and they their turns), the registry ends every still-live tracked actor.
    for (auto& a : {svc->directory, svc->backplane, svc->storage, svc->registry})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
    work.reset();
    io->stop();
    if (io_thread.joinable()) io_thread.join();
    lst.reset();
    io.reset();  // remaining sockets die here, while the actor system is still alive
    svc.reset();
    sys.reset();
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

server_stats server::stats() {
  server_stats out;
  caf_thread_release release;
  caf::scoped_actor self{*impl_->sys};
  self->request(impl_->svc->registry, 5s, caf::get_atom::value)
      .receive(
          [&](const actors::live_counts& c) {
            out.live_turns = c.turns;
            out.live_confirmations = c.confirmations;
          },
          [](caf::error& e) { throw std::runtime_error(caf::to_string(e)); });
  self->request(impl_->svc->backplane, 5s, actors::count_atom::value)
      .receive([&](std::size_t n) { out.attached_connections = n; },
               [](caf::error& e) { throw std::runtime_error(caf::to_string(e)); });
  if (const auto* lst = impl_->lst.get()) {
    const auto& ns = lst->stats();
    out.connections_refused = ns.connections_refused.load();
    out.rate_limited_frames = ns.rate_limited_frames.load();
    out.inbound_pauses = ns.inbound_pauses.load();
    out.inbound_peak_bytes = ns.inbound_peak_bytes.load();
  }
  return out;
}

caf::actor_system& server::system() {
  return *impl_->sys;
}

}  // namespace so::net
