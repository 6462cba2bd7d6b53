// tests/support/net/fake_gateway.hpp — an OpenAI-compatible gateway that streams scripts as SSE.
//
// Serves POST /chat/completions (any path ending in it) on 127.0.0.1 (plain or
// TLS with a self-signed certificate), popping one scripted entry per request
// exactly like `scripted_provider`, so every scenario can also run through the
// real HTTP client. Faults are injectable per request. Records every request
// (headers and JSON body) for assertions. Runs on its own threads (one
// acceptor thread, one per connection). Connections are kept alive between
// requests (as HTTP/1.1 allows, unless `keep_alive` is off); a fault that cuts a
// stream closes its connection. Accepted connections and resumed TLS handshakes
// are counted, so connection reuse is observable. A `failure` script entry is answered
// with HTTP 400 and `{"error":{"message":...}}` (an HTTP gateway has no other
// way to fail a call before streaming).
// Thread-safety: every public member may be called from any thread.
#pragma once

#include "adapters/llm/scripted_provider.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace so::test {

/// What the gateway does for one request instead of (or around) its script entry.
struct gateway_fault {
  enum class kind {
    none,
    http_status,      ///< respond with `status` and `body`, no stream
    malformed_line,   ///< inject a non-JSON `data:` line before the entry's events
    drop_mid_stream,  ///< send the first delta then close the socket without finishing
    stall,            ///< send the first delta, then silence for `delay` or until release()
    hold_first,       ///< send nothing of the stream until released (`delay` bounds the wait)
  };
  kind what = kind::none;
  int status = 500;
  std::string body = R"({"error":"boom"})";
  std::optional<std::string> retry_after;  ///< Retry-After header value
  std::chrono::milliseconds delay{0};
};

struct recorded_request {
  std::string target;
  std::string authorization;
  std::string body;  ///< the JSON request body
  std::string method;
  std::vector<std::pair<std::string, std::string>> headers;  ///< every request header, in order
};

struct fake_gateway_options {
  bool tls = false;  ///< serve HTTPS with a fresh self-signed cert for "localhost"
  /// Pause between SSE events (lets tests see tokens arrive before the end).
  std::chrono::milliseconds chunk_delay{0};
  /// Hold each stream's last SSE event (`data: [DONE]`) until `release()`, so a
  /// test can observe earlier tokens before the stream can possibly end.
  bool hold_last = false;
  /// Serve further requests on a connection; false: `Connection: close` on every answer.
  bool keep_alive = true;
  /// Announce keep-alive but close each connection right after its answer, like a
  /// server dropping idle connections: the client's pooled connection is then stale.
  bool close_after_answer = false;
  /// Body of `GET …/model/info` (200, JSON); none: 404 like any other unknown path.
  /// Those GETs (the server's price table fetch, off every turn's path) are counted by
  /// `model_info_requests()`, not recorded in `requests()`.
  std::optional<std::string> model_info;
};

class fake_gateway {
 public:
  explicit fake_gateway(std::vector<adapters::llm::script_entry> script = {},
                        fake_gateway_options options = {});
  ~fake_gateway();

  /// e.g. "http://127.0.0.1:41234/v1" (or "https://localhost:41234/v1" with TLS).
  std::string base_url() const;
  std::uint16_t port() const;
  /// PEM file of the self-signed certificate (TLS mode only).
  std::string ca_file() const;

  /// Faults consumed one per request, before script entries (a fault with
  /// http_status does not consume a script entry).
  void push_fault(gateway_fault f);
  void push(adapters::llm::script_entry e);
  /// Chat requests whose body names `model` are answered from this model's own queue
  /// (entry and fault), never from the shared script, so a side call racing the turn's
  /// call (e.g. stream_preamble) gets a deterministic answer. A drained queue answers an
  /// empty "stop" response. Its holds are released by `release_route(model)` only.
  void route(const std::string& model, adapters::llm::script_entry e, gateway_fault f = {});
  void release_route(const std::string& model);
  std::vector<recorded_request> requests() const;
  /// `GET …/model/info` requests received so far.
  std::size_t model_info_requests() const;
  /// Number of SSE events written so far for the current/last request (for
  /// "first token before last chunk" ordering tests).
  std::size_t events_sent() const;
  /// Blocks until the gateway sent `n` events or the timeout elapsed.
  bool wait_events_sent(std::size_t n, std::chrono::milliseconds timeout);
  /// Lets a stalled or held stream continue. Releases are counted: one call
  /// releases one hold, even if it comes before the stream reaches it.
  void release();
  /// TCP connections accepted so far.
  std::size_t connections() const;
  /// TLS handshakes that resumed an earlier session (SSL_session_reused).
  std::size_t resumed_handshakes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace so::test
