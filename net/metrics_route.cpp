// net/metrics_route.cpp — see metrics_route.hpp.
#include "net/metrics_route.hpp"

#include <openssl/crypto.h>

#include <memory>
#include <utility>

namespace so::net {
namespace {

bool token_matches(const std::optional<std::string>& authorization, const std::string& token) {
  const auto given = bearer_credential(authorization);
  return given && given->size() == token.size() &&
         CRYPTO_memcmp(given->data(), token.data(), token.size()) == 0;
}

}  // namespace

void add_metrics_route(http_router& router, metrics_route_options options) {
  auto o = std::make_shared<const metrics_route_options>(std::move(options));
  router.add(
      {"GET", "/metrics", std::nullopt, body_kind::none, [o](route_call call, respond_fn respond) {
         if (!o->token.empty() && !token_matches(call.request.authorization, o->token)) {
           auto res = plain_response(401, "missing or wrong bearer token for /metrics");
           res.headers.emplace_back("WWW-Authenticate", "Bearer");
           return respond(std::move(res));
         }
         o->gather([o, respond](adapters::telemetry::scrape_values v) {
           server_response res;
           res.status = 200;
           res.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
           res.body = adapters::telemetry::render_metrics(*o->metrics, v);
           respond(std::move(res));
         });
       }});
}

}  // namespace so::net
