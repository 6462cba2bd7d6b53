// adapters/auth/http_jwks_fetcher.hpp — the production jwks_fetcher: a GET over the
// project's asynchronous HTTP client (net/http_client.hpp), never blocking.
//
// Bounds: the whole fetch (connect included) times out after `timeout` (5 s,
// admin-auth.md §9); a body over `max_body_bytes` (1 MiB) fails the fetch; only a
// 2xx status is a success. Thread-safety: `fetch` may be called from any thread;
// `done` runs on the client's I/O thread.
#pragma once

#include "adapters/auth/jwks_fetcher.hpp"
#include "net/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace so::adapters::auth {

struct http_jwks_fetcher_options {
  std::string url;
  std::chrono::milliseconds timeout{5000};
  std::uint64_t max_body_bytes = 1 << 20;
};

jwks_fetcher_ptr make_http_jwks_fetcher(net::http_client_ptr http,
                                        http_jwks_fetcher_options options);

}  // namespace so::adapters::auth
