// adapters/auth/http_jwks_fetcher.cpp — see http_jwks_fetcher.hpp.
#include "adapters/auth/http_jwks_fetcher.hpp"

namespace so::adapters::auth {

namespace {

class http_jwks_fetcher final : public jwks_fetcher {
 public:
  http_jwks_fetcher(net::http_client_ptr http, http_jwks_fetcher_options o)
      : http_(std::move(http)), opts_(std::move(o)) {}

  void fetch(std::function<void(jwks_fetch_result)> done) override {
    net::http_request req;
    req.method = "GET";
    req.url = opts_.url;
    req.headers = {{"Accept", "application/json"}};
    req.connect_timeout = opts_.timeout;
    req.idle_timeout = opts_.timeout;
    req.total_timeout = opts_.timeout;
    req.max_body_bytes = opts_.max_body_bytes;

    // Call state lives in the callbacks (the client keeps them alive until on_complete).
    struct state {
      int status = 0;
      std::string body;
      std::function<void(jwks_fetch_result)> done;
    };
    auto st = std::make_shared<state>();
    st->done = std::move(done);
    net::http_callbacks cb;
    cb.on_head = [st](const net::http_response_head& h) { st->status = h.status; };
    cb.on_body = [st](std::string_view chunk) { st->body.append(chunk); };
    cb.on_complete = [st](const net::http_outcome& o) {
      jwks_fetch_result r;
      if (o.body_too_large)
        r.error = "JWKS response too large";
      else if (o.error)
        r.error = "JWKS fetch failed: " + *o.error;
      else if (st->status < 200 || st->status > 299)
        r.error = "JWKS fetch failed: HTTP " + std::to_string(st->status);
      else
        r.body = std::move(st->body);
      auto done = std::move(st->done);
      done(std::move(r));
    };
    http_->start(std::move(req), std::move(cb));
  }

 private:
  net::http_client_ptr http_;
  http_jwks_fetcher_options opts_;
};

}  // namespace

jwks_fetcher_ptr make_http_jwks_fetcher(net::http_client_ptr http,
                                        http_jwks_fetcher_options options) {
  return std::make_shared<http_jwks_fetcher>(std::move(http), std::move(options));
}

}  // namespace so::adapters::auth
