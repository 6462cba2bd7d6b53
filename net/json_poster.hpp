// net/json_poster.hpp — adapters::json_poster on the project's HTTP client: one POST,
// waited for on the calling thread (net/blocking_http.hpp), for the gateway embedder
// and reranker (storage-backplane.md §5.2–§5.3).
//
// The endpoint is TRUSTED (the operator's SMOOAI_GATEWAY_URL): no SSRF guard.
// Thread-safety: any non-io thread, concurrently (blocking_call throws on an io thread).
#pragma once

#include "adapters/knowledge/json_poster.hpp"
#include "net/http_client.hpp"

#include <chrono>
#include <cstdint>

namespace so::net {

struct json_poster_options {
  /// Deadline of the whole call (connecting gets at most 10 s of it).
  std::chrono::milliseconds timeout{60'000};
  /// Largest response body accepted; a larger one fails the call.
  std::uint64_t max_body_bytes = 64u * 1024u * 1024u;
};

adapters::json_poster_ptr make_json_poster(http_client_ptr http, json_poster_options options = {});

}  // namespace so::net
