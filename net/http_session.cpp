// net/http_session.cpp — see http_session.hpp.
#include "net/http_session.hpp"

#include "net/connection_slot.hpp"
#include "net/handed_off.hpp"
#include "net/http_router.hpp"
#include "net/request_target.hpp"
#include "net/web_asset_response.hpp"
#include "net/web_assets.hpp"
#include "net/websocket_session.hpp"
#include "net/ws_upgrade_auth.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

namespace so::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// How long a keep-alive connection may sit between requests (and a request or a
// response may take).
constexpr std::chrono::seconds kIoTimeout{30};

std::string format_endpoint(const asio::ip::tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// The Origin header, kept only when it is visible ASCII (the reference keeps it only
// when it converts to a string, which excludes control and non-ASCII bytes).
std::optional<std::string> origin_of(const http::request<http::string_body>& req) {
  const auto it = req.find(http::field::origin);
  if (it == req.end()) return std::nullopt;
  const auto value = it->value();
  const bool visible = std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return c == '\t' || (c >= 0x20 && c < 0x7f);
  });
  if (!visible) return std::nullopt;
  return std::string(value);
}

}  // namespace

void http_session::start(asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry) {
  std::shared_ptr<http_session> self(new http_session(std::move(socket), std::move(registry)));
  self->registry_->add(self->id_, self);
  asio::dispatch(self->stream_.get_executor(), [self] { self->do_read(); });
}

http_session::http_session(asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry)
    : stream_(std::move(socket)), registry_(std::move(registry)), id_(registry_->next_id()) {
  beast::error_code ec;
  const auto ep = stream_.socket().remote_endpoint(ec);
  remote_ = ec ? std::string("unknown") : format_endpoint(ep);
}

http_session::~http_session() {
  registry_->remove(id_);
}

void http_session::shut_down(std::uint16_t, const std::string&) {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    // Idle between requests: cut now. Mid-write: on_write closes after the response.
    if (self->reading_ && !self->handed_over_) self->do_close();
  });
}

void http_session::do_read() {
  if (closing_) return do_close();
  parser_.emplace();
  parser_->body_limit(registry_->options().max_http_body_bytes);
  stream_.expires_after(kIoTimeout);
  reading_ = true;
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&http_session::on_header, shared_from_this()));
}

void http_session::on_header(beast::error_code ec, std::size_t bytes) {
  if (ec || parser_->is_done()) return on_read(ec, bytes);
  // A client that waits for permission before sending the body (curl does past 1 KiB)
  // gets it at once instead of after its own timeout. Over-limit bodies were already
  // refused by the header check (Content-Length against body_limit).
  const auto& h = parser_->get();
  if (beast::iequals(h[http::field::expect], "100-continue")) {
    auto interim =
        std::make_shared<http::response<http::empty_body>>(http::status::continue_, h.version());
    return http::async_write(
        stream_, *interim,
        [self = shared_from_this(), interim](beast::error_code wec, std::size_t) {
          if (wec) return self->on_read(wec, 0);
          self->read_body();
        });
  }
  read_body();
}

void http_session::read_body() {
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec == http::error::end_of_stream) return do_close();
  if (ec == http::error::body_limit) return refuse_too_large();
  if (ec == http::error::header_limit) return refuse_too_large(/*header=*/true);
  if (ec) {
    if (ec != asio::error::operation_aborted && ec != beast::error::timeout) {
      spdlog::debug("{} http: read failed: {}", ids(), ec.message());
    }
    return do_close();
  }
  if (closing_) return do_close();
  handle_request();
}

void http_session::handle_request() {
  const auto& req = parser_->get();
  const auto [path, query] =
      split_target(std::string_view(req.target().data(), req.target().size()));
  const auto make = [&req](http::status status) {
    response res{status, req.version()};
    res.set(http::field::server, "smooth-operator-cpp");
    res.keep_alive(req.keep_alive());
    return res;
  };

  if (path == "/ws") {
    if (req.method() != http::verb::get) {
      auto res = make(http::status::method_not_allowed);
      res.set(http::field::allow, "GET");
      res.prepare_payload();
      return send(std::move(res));
    }
    if (!beast::websocket::is_upgrade(req)) {
      auto res = make(http::status::bad_request);
      res.prepare_payload();
      return send(std::move(res));
    }
    // The slot is taken here, before the 101, and handed to the websocket_session.
    if (!registry_->reserve_connection()) return refuse_full(req.version());
    return upgrade();
  }

  if (path == "/health") {
    if (req.method() != http::verb::get) {
      auto res = make(http::status::method_not_allowed);
      res.set(http::field::allow, "GET");
      res.prepare_payload();
      return send(std::move(res));
    }
    auto res = make(http::status::ok);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "ok";
    res.prepare_payload();
    return send(std::move(res));
  }

  if (const auto& router = registry_->options().router; router && router->claims(path))
    return route(req.version(), req.keep_alive());

  if (registry_->options().web_ui) {
    if (const auto* asset = find_web_asset(path)) return send(web_asset_response(*asset, req));
  }

  spdlog::debug("{} http: {} {} -> 404", ids(), std::string(req.method_string()),
                redact_target(std::string_view(req.target().data(), req.target().size())));
  auto res = make(http::status::not_found);
  res.prepare_payload();
  send(std::move(res));
}

void http_session::upgrade() {
  // The connection slot was reserved by the caller; the guard gives it back unless a
  // websocket_session takes it over (a 401, a client gone, a shutdown all release it).
  auto slot = std::make_shared<connection_slot>(registry_);
  auto req = std::make_shared<websocket_session::request_type>(parser_->release());
  const std::string_view target(req->target().data(), req->target().size());
  const auto [path, query] = split_target(target);
  upgrade_info info;
  info.token = trimmed_token(query_token(query));
  info.origin = origin_of(*req);
  info.remote_endpoint = remote_;
  spdlog::debug("{} http: upgrade {}", ids(), redact_target(target));
  // Nothing is read while the token is verified; the WebSocket stream keeps its own
  // timeouts afterwards, so the HTTP read timer must not follow it.
  stream_.expires_never();
  const auto& options = registry_->options();
  auto token = info.token;  // `info` moves into the continuation below
  // Verified once, before the 101 (admin-auth.md §1.9). The verifier may answer inline or
  // on another thread: the decision is dispatched back onto this socket's executor. The
  // verifier's copy of the callback gives everything up when called (net/handed_off.hpp), so
  // a verifier thread that outlives shutdown never destroys a socket.
  verify_ws_token(options.authenticator, token, options.ws_auth_required, remote_,
                  [held = handed_off(pending_upgrade{shared_from_this(), req, std::move(info),
                                                     slot})](ws_auth_decision d) {
                    auto p = held.take();
                    if (!p) return;
                    auto ex = p->self->stream_.get_executor();
                    asio::dispatch(ex, [p = std::move(*p), d = std::move(d)]() mutable {
                      p.self->finish_upgrade(std::move(*p.req), std::move(p.info),
                                             std::move(*p.slot), std::move(d));
                    });
                  });
}

void http_session::finish_upgrade(websocket_session::request_type req, upgrade_info info,
                                  connection_slot slot, ws_auth_decision decision) {
  // close_all ran while the token was verified: never start a WebSocket now.
  if (closing_) {
    slot.release();
    return do_close();
  }
  if (decision.refused) {
    slot.release();  // before the 401 can reach the client
    return refuse_unauthorized(req.version(), decision);
  }
  info.principal = std::move(decision.principal);
  info.single_user = decision.single_user;
  handed_over_ = true;
  slot.hand_over();
  // A client that left during verification makes the handshake fail there; the
  // websocket_session then ends and gives the slot back.
  websocket_session::start(stream_.release_socket(), registry_, std::move(info), std::move(req));
  // Bytes already buffered past the upgrade request would be a protocol violation by
  // the client (it must wait for 101), so dropping buffer_ here is safe.
}

void http_session::refuse_unauthorized(unsigned version, const ws_auth_decision& decision) {
  response res{http::status::unauthorized, version};
  res.set(http::field::server, "smooth-operator-cpp");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  res.body() = unauthorized_body(decision.code, decision.message, now_ms);
  res.prepare_payload();
  send(std::move(res));
}

void http_session::route(unsigned version, bool keep_alive) {
  auto req = parser_->release();
  const auto target = std::string_view(req.target().data(), req.target().size());
  const auto [path, query] = split_target(target);
  server_request r;
  r.method = std::string(req.method_string());
  r.path = std::string(path);
  r.query = std::string(query);
  if (auto it = req.find(http::field::authorization); it != req.end())
    r.authorization = std::string(it->value());
  if (auto it = req.find(http::field::content_type); it != req.end())
    r.content_type = std::string(it->value());
  r.body = std::move(req.body());
  spdlog::debug("{} http: {} {}", ids(), r.method, redact_target(target));
  registry_->options().router->dispatch(std::move(r), [held = handed_off(shared_from_this()),
                                                       version, keep_alive](server_response out) {
    auto self = held.take();
    if (!self) return;  // answered twice: the router's contract is once
    auto ex = (*self)->stream_.get_executor();
    asio::post(std::move(ex),
               [self = std::move(*self), version, keep_alive, out = std::move(out)]() mutable {
                 response res{static_cast<http::status>(out.status), version};
                 res.set(http::field::server, "smooth-operator-cpp");
                 for (auto& [name, value] : out.headers) res.set(name, value);
                 res.keep_alive(keep_alive);
                 res.body() = std::move(out.body);
                 res.prepare_payload();
                 self->send(std::move(res));
               });
  });
}

void http_session::refuse_too_large(bool header) {
  spdlog::debug("{} http: request {} too large -> {}", ids(), header ? "header" : "body",
                header ? 431 : 413);
  response res{
      header ? http::status::request_header_fields_too_large : http::status::payload_too_large, 11};
  res.set(http::field::server, "smooth-operator-cpp");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(false);
  res.body() = header ? std::string("request header too large")
                      : "request body too large (limit " +
                            std::to_string(registry_->options().max_http_body_bytes) +
                            " bytes, SMOOTH_AGENT_MAX_HTTP_BODY_BYTES)";
  res.prepare_payload();
  linger_ = true;
  send(std::move(res));
}

void http_session::linger_close() {
  constexpr std::uint64_t kMaxDiscard = 64u << 20;
  constexpr std::chrono::seconds kLinger{5};
  if (!lingering_) {  // one deadline for the whole linger, however slowly bytes trickle
    lingering_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLinger);
  }
  auto buf = std::make_shared<std::array<char, 16 * 1024>>();
  stream_.async_read_some(asio::buffer(*buf),
                          [self = shared_from_this(), buf](beast::error_code ec, std::size_t n) {
                            self->discarded_ += n;
                            if (ec || self->discarded_ > kMaxDiscard) return self->stream_.close();
                            self->linger_close();
                          });
}

void http_session::refuse_full(unsigned version) {
  registry_->stats().connections_refused.fetch_add(1);
  const auto limit = registry_->options().max_connections;
  spdlog::warn("{} http: WebSocket upgrade refused: {} connections open (the limit)", ids(),
               limit);
  response res{http::status::service_unavailable, version};
  res.set(http::field::server, "smooth-operator-cpp");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, "1");
  res.keep_alive(false);
  res.body() = R"({"error":"server_full","message":"the server has reached its limit of )" +
               std::to_string(limit) +
               R"( open WebSocket connections (SMOOTH_AGENT_MAX_CONNECTIONS); retry later"})";
  res.prepare_payload();
  send(std::move(res));
}

void http_session::send(response res) {
  res_ = std::move(res);
  stream_.expires_after(kIoTimeout);
  const bool keep_alive = res_.keep_alive();
  http::async_write(
      stream_, res_,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) {
    spdlog::debug("{} http: write failed: {}", ids(), ec.message());
    return do_close();
  }
  if (linger_) return linger_close();
  if (!keep_alive || closing_) return do_close();
  do_read();
}

void http_session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  stream_.close();
}

}  // namespace so::net
