// net/http_router.cpp — see http_router.hpp.
#include "net/http_router.hpp"

#include "net/handed_off.hpp"

#include "adapters/auth/bearer.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

namespace so::net {

namespace auth = adapters::auth;

namespace {

constexpr const char* kAllowOrigin = "Access-Control-Allow-Origin";

std::vector<std::string> split_segments(std::string_view path) {
  // "/a/b" → {"a","b"}; "/" → {""}; "//x" → {"","x"} (an empty segment never matches).
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  for (;;) {
    const auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_json_content_type(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string mime;
  for (char c : *value) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    mime.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (mime == "application/json") return true;
  // application/<anything>+json, as axum's Json extractor accepts.
  const std::string_view m(mime);
  return m.rfind("application/", 0) == 0 && m.size() > 17 && m.substr(m.size() - 5) == "+json";
}

void add_cors(server_response& res) {
  res.headers.emplace_back(kAllowOrigin, "*");
}

}  // namespace

// ---- responses -------------------------------------------------------------------------------

server_response plain_response(int status, std::string text) {
  server_response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(text);
  return r;
}

server_response json_response(int status, std::string json) {
  server_response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(json);
  return r;
}

server_response error_response(int status, std::string_view code, std::string_view message,
                               std::int64_t timestamp_ms) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  const auto error_object = [&] {
    w.StartObject();
    protocol::write_key(w, "code");
    protocol::write_string(w, code);
    protocol::write_key(w, "message");
    // Messages may embed storage text: repair so the body is always valid UTF-8.
    protocol::write_string(w, protocol::repair_utf8(message));
    w.EndObject();
  };
  w.StartObject();
  protocol::write_key(w, "type");
  protocol::write_string(w, "error");
  protocol::write_key(w, "error");
  error_object();
  protocol::write_key(w, "data");
  w.StartObject();
  protocol::write_key(w, "error");
  error_object();
  w.EndObject();
  protocol::write_key(w, "timestamp");
  w.Int64(timestamp_ms);
  w.EndObject();
  return json_response(status, std::string(sb.GetString(), sb.GetSize()));
}

std::optional<std::string> bearer_credential(const std::optional<std::string>& authorization) {
  if (!authorization) return std::nullopt;
  return auth::extract_bearer(*authorization);  // one rule for every admin credential
}

std::optional<std::string> decode_path_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex(s[i + 1]);
    const int lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (!protocol::is_valid_utf8(out)) return std::nullopt;
  return out;
}

// ---- router ----------------------------------------------------------------------------------

http_router::http_router(router_options options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = std::make_shared<protocol::system_clock>();
}

void http_router::add(route_spec route) {
  compiled_route c;
  c.segments = split_segments(route.pattern);
  c.spec = std::move(route);
  routes_.push_back(std::move(c));
}

bool http_router::under_cors_prefix(std::string_view path) const {
  const auto& p = options_.cors_prefix;
  if (p.empty()) return false;
  return path == p || (path.size() > p.size() && path.rfind(p, 0) == 0 && path[p.size()] == '/');
}

bool http_router::claims(std::string_view path) const {
  if (under_cors_prefix(path)) return true;
  const auto segments = split_segments(path);
  return std::any_of(routes_.begin(), routes_.end(),
                     [&](const auto& r) { return match(r, segments).has_value(); });
}

std::optional<std::vector<std::string>> http_router::match(
    const compiled_route& route, const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) return std::nullopt;
  std::vector<std::string> captures;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& want = route.segments[i];
    const bool capture = want.size() >= 2 && want.front() == '{' && want.back() == '}';
    if (capture) {
      if (segments[i].empty()) return std::nullopt;
      captures.push_back(segments[i]);
    } else if (want != segments[i]) {
      return std::nullopt;
    }
  }
  return captures;
}

void http_router::dispatch(server_request request, respond_fn respond) const {
  // Exactly once, even if a handler throws after answering.
  respond = [inner = std::move(respond),
             answered = std::make_shared<std::atomic<bool>>(false)](server_response res) {
    if (!answered->exchange(true)) inner(std::move(res));
  };
  const bool cors = under_cors_prefix(request.path);
  if (cors) {
    respond = [inner = std::move(respond)](server_response res) {
      add_cors(res);
      inner(std::move(res));
    };
    if (request.method == "OPTIONS") {
      server_response res;
      res.status = 204;
      res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
      res.headers.emplace_back("Access-Control-Allow-Headers", "authorization, content-type");
      res.headers.emplace_back("Access-Control-Max-Age", "600");
      return respond(std::move(res));
    }
  }

  // 1. Route match.
  const auto segments = split_segments(request.path);
  const compiled_route* found = nullptr;
  std::vector<std::string> raw_params;
  std::vector<std::string> allowed;
  for (const auto& r : routes_) {
    auto captures = match(r, segments);
    if (!captures) continue;
    if (r.spec.method == request.method) {
      found = &r;
      raw_params = std::move(*captures);
      break;
    }
    if (std::find(allowed.begin(), allowed.end(), r.spec.method) == allowed.end())
      allowed.push_back(r.spec.method);
  }
  if (!found) {
    server_response res;
    if (allowed.empty()) {
      res.status = 404;
    } else {
      res.status = 405;
      std::string allow;
      for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      res.headers.emplace_back("Allow", std::move(allow));
    }
    return respond(std::move(res));
  }

  // 2. Authentication and role, before any parsing.
  if (!found->spec.min_role)
    return after_auth(*found, std::move(raw_params), std::move(request), nullptr,
                      std::move(respond));
  const auto now_ms = [clock = options_.clock] { return clock->now_ms(); };
  auto credential = bearer_credential(request.authorization);
  if (!credential)
    return respond(error_response(401, "UNAUTHENTICATED", "missing bearer token", now_ms()));
  if (!options_.authenticator)
    return respond(error_response(401, "INVALID_TOKEN",
                                  "invalid token: no authentication is configured", now_ms()));
  const auto min = *found->spec.min_role;
  // The verifier may keep its copy of the callback after calling it, on a thread of its
  // own, past shutdown: the call takes the router (and through it the storage pool) and
  // the session's responder out of it (net/handed_off.hpp).
  struct pending_request {
    std::shared_ptr<const http_router> self;
    std::vector<std::string> raw_params;
    server_request request;
    respond_fn respond;
  };
  options_.authenticator->authenticate(
      std::move(*credential),
      [held = handed_off(pending_request{shared_from_this(), std::move(raw_params),
                                         std::move(request), std::move(respond)}),
       found, min, now_ms](auth::auth_result result) {
        auto pending = held.take();
        if (!pending) return;
        auto& [self, raw_params, request, respond] = *pending;
        switch (result.outcome) {
          case auth::auth_outcome::authenticated:
            break;
          case auth::auth_outcome::unauthenticated:
            return respond(
                error_response(401, "UNAUTHENTICATED", "missing bearer token", now_ms()));
          case auth::auth_outcome::invalid_token:
            return respond(
                error_response(401, "INVALID_TOKEN", "invalid token: " + result.reason, now_ms()));
          case auth::auth_outcome::missing_role:
            return respond(error_response(
                401, "MISSING_ROLE", "missing or invalid role claim: " + result.reason, now_ms()));
          case auth::auth_outcome::misconfigured:
            return respond(error_response(500, "AUTH_MISCONFIGURED",
                                          "auth misconfigured: " + result.reason, now_ms()));
        }
        if (!result.who)
          return respond(error_response(500, "AUTH_MISCONFIGURED",
                                        "auth misconfigured: no principal", now_ms()));
        if (!auth::role_at_least(result.who->user_role, min))
          return respond(error_response(403, "FORBIDDEN",
                                        std::string("forbidden: requires ") + auth::role_name(min) +
                                            ", principal is " +
                                            auth::role_name(result.who->user_role),
                                        now_ms()));
        self->after_auth(*found, std::move(raw_params), std::move(request),
                         std::make_shared<const auth::principal>(std::move(*result.who)),
                         std::move(respond));
      });
}

void http_router::after_auth(const compiled_route& route, std::vector<std::string> raw_params,
                             server_request request, std::shared_ptr<const auth::principal> who,
                             respond_fn respond) const {
  // 3. Path, then body parsing (framework rejections: plain text).
  route_call call;
  for (const auto& raw : raw_params) {
    auto decoded = decode_path_segment(raw);
    if (!decoded) return respond(plain_response(400, "invalid path parameter encoding"));
    call.params.push_back(std::move(*decoded));
  }
  if (route.spec.body == body_kind::json) {
    if (!is_json_content_type(request.content_type))
      return respond(plain_response(415, "Expected request with `Content-Type: application/json`"));
    auto doc = std::make_shared<rapidjson::Document>();
    protocol::json_limits limits;
    limits.max_depth = options_.max_json_depth;
    const auto parsed = protocol::parse_untrusted(*doc, request.body, limits);
    if (!parsed.ok)
      return respond(
          plain_response(400, "Failed to parse the request body as JSON: " + parsed.error));
    call.json = std::move(doc);
  }
  call.who = std::move(who);
  call.request = std::move(request);
  // 4. The handler.
  try {
    route.spec.handler(std::move(call), respond);
  } catch (const std::exception& e) {
    respond(error_response(500, "INTERNAL_ERROR", e.what(), options_.clock->now_ms()));
  }
}

}  // namespace so::net
