// net/indexing_wiring.cpp — see indexing_wiring.hpp.
#include "net/indexing_wiring.hpp"

#include "net/blocking_http.hpp"
#include "net/web_fetcher.hpp"

#include <cstdlib>

namespace so::net {

adapters::connectors::connector_environment connector_environment_of(
    const adapters::server_config& cfg, http_client_ptr http) {
  adapters::connectors::connector_environment env;
  if (cfg.file_connector_root) env.file_root = *cfg.file_connector_root;
  if (http) {
    web_fetcher_options w;
    w.max_bytes = cfg.web_connector_max_bytes;
    w.timeout = cfg.web_connector_timeout;
    w.allow_loopback = cfg.web_connector_allow_loopback;
    env.web = make_web_fetcher(http, w);
    http_getter_options g;
    g.timeout = cfg.web_connector_timeout;
    g.max_bytes = cfg.web_connector_max_bytes;
    env.api_http = make_http_getter(std::move(http), g);
  }
  env.github_api_url = cfg.github_api_url;
  // auth_ref names an environment variable, read when a connector is built (getenv is
  // safe: the server never calls setenv after startup).
  env.secret = [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
  return env;
}

void add_indexing_services(admin_services& admin, const actors::storage_pool_ptr& pool,
                           adapters::knowledge_base_ptr knowledge,
                           const adapters::server_config& cfg, http_client_ptr http) {
  admin.knowledge = std::move(knowledge);
  admin.connector_env = connector_environment_of(cfg, std::move(http));
  admin.run_indexing = [pool](const std::string&, std::function<void()> job,
                              std::function<void(std::string, std::string)> refused) {
    pool->post(
        actors::indexing_lane,
        [job = std::move(job)](adapters::storage&, adapters::knowledge_base&) { job(); },
        [refused = std::move(refused)](actors::storage_failure f) {
          refused(std::string(f.code), std::move(f.message));
        });
  };
}

}  // namespace so::net
