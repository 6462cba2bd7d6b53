// adapters/auth/widget_providers.cpp — see widget_providers.hpp.
#include "adapters/auth/widget_providers.hpp"

#include "adapters/auth/widget_http_provider.hpp"
#include "adapters/auth/widget_static_provider.hpp"

#include <stdexcept>

namespace so::adapters::auth {

widget_policy_provider_ptr make_widget_policy_provider(const server_config& config,
                                                       net::http_client_ptr http,
                                                       protocol::clock_ptr clock) {
  if (config.widget_auth_url) {
    if (config.widget_policies_file)
      throw std::runtime_error(std::string(widget_policies_file_var) +
                               ": cannot be combined with WIDGET_AUTH_URL; set only one "
                               "embed-policy source");
    widget_http_options o;
    o.base_url = *config.widget_auth_url;
    o.bearer = config.widget_auth_bearer;
    o.ttl = std::chrono::seconds(
        std::min<std::uint64_t>(config.widget_auth_ttl_secs, 100ull * 365 * 24 * 3600));
    return make_http_widget_provider(std::move(http), std::move(clock), std::move(o));
  }
  if (config.widget_policies_file)
    return make_static_widget_provider(load_widget_policies_file(*config.widget_policies_file));
  return make_permissive_widget_provider();
}

}  // namespace so::adapters::auth
