// net/blocking_http.hpp — one HTTP call on the project's client, waited for on the
// calling thread: what the indexing connectors (web, github) use inside their pass.
//
// The I/O runs on the client's io thread(s); `blocking_call` waits for its outcome on the
// CALLING thread, which must not be an io thread (it throws std::logic_error there:
// waiting would deadlock the loop it waits on). The request's own timeouts end the call;
// a margin of 5 s past `total_timeout` guards against a stopped loop (the call is then
// cancelled and the wait fails).
//
// `make_http_getter` wraps it as the connectors' http_getter seam for TRUSTED,
// operator-configured endpoints (SMOOTH_AGENT_GITHUB_API_URL): no SSRF guard — the web
// connector, whose URLs come from admins, uses web_fetcher.hpp instead.
//
// Thread-safety: any non-io thread, concurrently.
#pragma once

#include "adapters/knowledge/connectors/http_getter.hpp"
#include "net/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace so::net {

struct blocking_result {
  http_response_head head;
  std::string body;
  http_outcome outcome;
};

/// Runs `request` to completion (see the header). Never throws for an HTTP status;
/// throws std::runtime_error when the wait itself gives up.
blocking_result blocking_call(const http_client_ptr& http, http_request request);

struct http_getter_options {
  std::chrono::milliseconds timeout{30'000};
  std::uint64_t max_bytes = 5u * 1024u * 1024u;
};

std::shared_ptr<const adapters::connectors::http_getter> make_http_getter(
    http_client_ptr http, http_getter_options options);

}  // namespace so::net
