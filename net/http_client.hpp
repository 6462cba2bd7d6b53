// net/http_client.hpp — a streaming HTTP/1.1 client (plain and TLS), Beast inside.
//
// Used by the LLM gateway provider (SSE) and by webhook tools. The header stays
// free of Beast/Asio so adapters and actors never compile Beast.
//
// Connections are persistent: a call whose response was read completely, on a
// connection both sides keep alive (HTTP/1.1 without `Connection: close`), hands
// it back to a keep-alive pool keyed by scheme+host+port, and the next call to
// that host reuses it instead of a new TCP (+TLS) handshake. A failed, cancelled
// or timed-out call closes its connection. If a reused connection fails before
// one byte of the response arrived (the server closed it while idle), the call is
// retried once on a fresh connection, invisibly to the caller. New TLS connections
// resume the host's last TLS session. Bounds: see `http_client_options`. While
// connections are idle a sweep timer is pending on the io_context (a `run()`
// without a work guard returns only once they expired).
//
// Thread-safety: one client belongs to one io_context, and that io_context must be
// run by exactly ONE thread — the pool and every call's state live on it without
// locks. `start` and `http_call::cancel` may be called from any thread (they post
// to the io_context); callbacks run on the io thread, one call at a time, in order:
// `on_head` once (if a response arrived), `on_body` zero or more times as bytes
// arrive, then `on_complete` exactly once. After `cancel()` only `on_complete` may
// follow. Destroy the client on its io thread or after the io_context stopped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace so::net {

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "POST";
  std::string url;  ///< http://host[:port]/path or https://...
  http_headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{30'000};
  /// Longest silence while reading the body (engine.md §2.10: 60 s).
  std::chrono::milliseconds idle_timeout{60'000};
  /// Whole request, headers and body (engine.md §2.10: 600 s).
  std::chrono::milliseconds total_timeout{600'000};
  /// Longest response body accepted (by Content-Length or by bytes read); a longer
  /// one fails the call with `body_too_large`. Unset: no limit.
  std::optional<std::uint64_t> max_body_bytes;
  /// Connect to this IP literal instead of resolving the URL's host (the Host header,
  /// TLS SNI and certificate check still use the URL's host). A caller that vetted
  /// the address (the web connector's SSRF guard) pins it so a second DNS answer
  /// cannot redirect the connection. Pooled connections are kept per pinned address.
  std::optional<std::string> connect_address;
};

struct http_response_head {
  int status = 0;
  std::string reason;
  http_headers headers;
  /// Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const;
};

/// How a call ended.
struct http_outcome {
  /// Empty on success (body complete). Otherwise a readable reason, e.g.
  /// "connect: Connection refused" or "stream idle timeout: no data for 60s".
  std::optional<std::string> error;
  /// True when the failure happened before any response head arrived (a
  /// "send failure": safe to retry).
  bool before_head = false;
  bool cancelled = false;
  /// The response body exceeded `http_request::max_body_bytes`.
  bool body_too_large = false;
};

struct http_callbacks {
  std::function<void(const http_response_head&)> on_head;
  std::function<void(std::string_view chunk)> on_body;
  std::function<void(const http_outcome&)> on_complete;
};

/// A call in flight. It keeps itself alive through its pending I/O: dropping the
/// handle does not cancel it, and holding the handle from inside a callback's state
/// would make a cycle.
class http_call {
 public:
  virtual ~http_call() = default;
  /// Abandons the call; `on_complete` runs with `cancelled = true` unless it already ran.
  virtual void cancel() = 0;
};

struct http_client_options {
  /// Extra PEM CA bundle trusted in addition to the system store (tests use a
  /// self-signed certificate). Verification of chain and host name is always on.
  std::optional<std::string> extra_ca_file;
  /// Idle keep-alive connections kept per scheme+host+port; handing back one more
  /// closes the oldest. 0 disables pooling (one connection per call). It should
  /// cover the calls one io thread has in flight to a host at peak: at 50
  /// concurrent turns a limit of 8 still opened a new connection for most calls.
  /// An idle connection costs a socket and a few KB (TLS buffers are released
  /// while idle), so the bound is generous.
  std::size_t max_idle_per_host = 256;
  /// An idle connection unused this long is closed (servers drop idle ones too:
  /// node's default is 5 s, nginx 75 s; a stale one costs one invisible retry).
  std::chrono::milliseconds idle_expiry{30'000};
};

class http_client {
 public:
  virtual ~http_client() = default;
  virtual std::shared_ptr<http_call> start(http_request request, http_callbacks callbacks) = 0;
};

using http_client_ptr = std::shared_ptr<http_client>;

/// The Beast implementation. `io` must outlive the client and every call.
http_client_ptr make_http_client(boost::asio::io_context& io, http_client_options options = {});

}  // namespace so::net
