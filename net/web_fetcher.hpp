// net/web_fetcher.hpp — the web connector's fetcher on the project's HTTP client
// (adapters/knowledge/connectors/web_fetch.hpp; storage-backplane.md §11 "web").
//
// Per hop (the first URL and every redirect, at most `max_redirects`):
//  1. the URL must be http(s) (net/url.hpp);
//  2. its host is resolved HERE (getaddrinfo; an IP literal is itself), and EVERY
//     resolved address must pass the SSRF guard (ssrf_guard.hpp) — one refused address
//     refuses the hop, before any byte is sent;
//  3. the GET goes out pinned to the first resolved address
//     (http_request::connect_address), so the connection reaches exactly an address
//     that was checked (no second DNS answer, no rebinding);
//  4. 301/302/303/307/308 with a Location → the next hop (relative locations resolved
//     against the current URL); another non-2xx status → an error with the status.
// Bounds: the body is capped at `max_bytes` (SMOOTH_AGENT_WEB_CONNECTOR_MAX_BYTES; by
// Content-Length or by bytes read: the call fails, nothing is indexed); every hop has
// `timeout` as its whole-request deadline (SMOOTH_AGENT_WEB_CONNECTOR_TIMEOUT_MS) and
// min(timeout, 10 s) to connect.
//
// Threads: the HTTP I/O runs on the io threads (the client router); `fetch` waits for
// it on the CALLING thread, which must not be an io thread (it throws std::logic_error
// there: waiting would deadlock the loop it waits on). The server calls it on the
// storage pool's indexing worker.
#pragma once

#include "adapters/knowledge/connectors/web_fetch.hpp"
#include "net/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace so::net {

struct web_fetcher_options {
  std::uint64_t max_bytes = 5u * 1024u * 1024u;
  std::chrono::milliseconds timeout{30'000};
  unsigned max_redirects = 5;
  /// TEST ONLY (SMOOTH_AGENT_WEB_CONNECTOR_ALLOW_LOOPBACK): let 127.0.0.1 through the
  /// guard so tests can serve pages locally. Off in production: it would let an admin
  /// make the server fetch its own local services.
  bool allow_loopback = false;
};

/// Resolves a host to IP literals (getaddrinfo by default; tests may inject one).
using host_resolver = std::function<std::vector<std::string>(const std::string& host)>;

std::shared_ptr<const adapters::connectors::web_fetcher> make_web_fetcher(
    http_client_ptr http, web_fetcher_options options, host_resolver resolver = nullptr);

/// `location` (a Location header) resolved against `base` (an absolute http(s) URL).
std::string resolve_location(const std::string& base, const std::string& location);

}  // namespace so::net
