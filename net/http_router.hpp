// net/http_router.hpp — the HTTP routing seam: method + path pattern → asynchronous
// handler, with the request pipeline of admin-auth.md §2.0:
//
//   route match (404 empty / 405 + Allow) → auth (401/403 envelope)
//     → path and body parsing (400/415 plain text) → handler.
//
// A route names its minimum role (none = no auth) and whether it takes a JSON body
// (then a non-JSON Content-Type is 415 and invalid JSON or UTF-8 is 400, both plain
// text). Handlers answer with `respond`; their own errors use the JSON error envelope
// (`error_response`). Paths under a mounted prefix (`/admin`) carry CORS headers
// (any origin) and `OPTIONS` there is answered 204 without auth (admin-auth.md §9).
// Bodies are bounded by the caller (http_session's parser limit → 413).
//
// Path patterns are literal segments and `{name}` captures; a capture matches one
// non-empty segment and is percent-decoded (an invalid escape or non-UTF-8 result
// is 400; a decoded "/" is just part of the id). No trailing-slash folding.
//
// Thread-safety: build (`add`) on one thread before serving; afterwards `dispatch`
// may be called from any thread concurrently. `respond` may be called from any
// thread, exactly once; the caller (http_session) re-posts it onto the connection's
// executor. The authenticator's `done` may run on another thread: the pipeline then
// continues there (it only parses; handlers never block — blocking work goes to the
// storage pool).
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "protocol/clock.hpp"

#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::net {

/// One inbound request, as the router sees it (no Beast types).
struct server_request {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< raw (not decoded), without the query
  std::string query;   ///< raw, without '?'
  std::optional<std::string> authorization;
  std::optional<std::string> content_type;
  std::string body;
};

struct server_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Delivers the response; call exactly once, from any thread.
using respond_fn = std::function<void(server_response)>;

/// What a handler receives.
struct route_call {
  server_request request;
  /// The verified caller; set iff the route has a minimum role.
  std::shared_ptr<const adapters::auth::principal> who;
  /// Decoded `{…}` captures, in pattern order.
  std::vector<std::string> params;
  /// The parsed body, for routes that take JSON (null otherwise).
  std::shared_ptr<const rapidjson::Document> json;
};

using route_handler = std::function<void(route_call, respond_fn)>;

enum class body_kind { none, json };

struct route_spec {
  std::string method;
  std::string pattern;                           ///< "/admin/connectors/{id}"
  std::optional<adapters::auth::role> min_role;  ///< none: no authentication
  body_kind body = body_kind::none;
  route_handler handler;
};

// ---- responses -----------------------------------------------------------------------------

/// A framework rejection: plain text, not the envelope (admin-auth.md §2.0).
server_response plain_response(int status, std::string text);
/// 200-style JSON body.
server_response json_response(int status, std::string json);
/// The error envelope of admin-auth.md §0 (`timestamp` in epoch milliseconds).
server_response error_response(int status, std::string_view code, std::string_view message,
                               std::int64_t timestamp_ms);

/// The bearer credential of an `Authorization` value (admin-auth.md §1.8): visible
/// ASCII, starting with exactly "Bearer " or "bearer ", remainder trimmed; none when
/// absent, another scheme, or blank.
std::optional<std::string> bearer_credential(const std::optional<std::string>& authorization);

/// Strict percent-decoding of one path segment: none on a malformed escape or a
/// non-UTF-8 result ('+' stays '+').
std::optional<std::string> decode_path_segment(std::string_view segment);

struct router_options {
  /// Null: every credential is invalid (401).
  adapters::auth::authenticator_ptr authenticator;
  protocol::clock_ptr clock;  ///< envelope timestamps; default system clock
  /// Paths under this prefix get CORS headers and OPTIONS answers. Empty: no CORS.
  std::string cors_prefix = "/admin";
  std::size_t max_json_depth = 64;
};

class http_router : public std::enable_shared_from_this<http_router> {
 public:
  /// Create with std::make_shared: pending authentications keep the router alive.
  explicit http_router(router_options options);

  /// Registers a route. Before serving only.
  void add(route_spec route);

  /// True when the router serves `path` (a registered pattern matches it, or it is
  /// under the CORS prefix); other paths stay with the caller (/health, /ws, 404).
  bool claims(std::string_view path) const;

  /// Runs the pipeline; `respond` is called exactly once.
  void dispatch(server_request request, respond_fn respond) const;

 private:
  struct compiled_route {
    route_spec spec;
    std::vector<std::string> segments;  ///< "{id}" marks a capture
  };
  /// Captures of `route` for `path`'s segments, or none when it does not match.
  static std::optional<std::vector<std::string>> match(const compiled_route& route,
                                                       const std::vector<std::string>& segments);
  void after_auth(const compiled_route& route, std::vector<std::string> raw_params,
                  server_request request, std::shared_ptr<const adapters::auth::principal> who,
                  respond_fn respond) const;
  bool under_cors_prefix(std::string_view path) const;

  router_options options_;
  std::vector<compiled_route> routes_;
};

using http_router_ptr = std::shared_ptr<const http_router>;

}  // namespace so::net
