// net/http_session.hpp — one accepted TCP connection speaking plain HTTP/1.1: serves
// `GET /health` and (when on) the embedded web chat page, hands the paths the router claims (`/admin/...`) to the http_router,
// answers 404/405/400 (and 413 past the body limit), and hands a valid `/ws` upgrade
// to a websocket_session — or answers 503 when every connection slot is taken, or 401 when
// strict WS auth is on and `?token=` does not verify (the token is verified once,
// asynchronously, before the 101; nothing is read meanwhile).
// While a routed request is being handled the session reads nothing more (no
// pipelining); the router's answer is posted back onto the connection's executor.
//
// Private to net/ (includes Beast). Lifetime: owned by its pending async operation
// (shared_from_this); the registry holds a weak_ptr so close_all can end idle
// keep-alive connections instead of waiting out their read timeout (stack.md §4.4 item 6).
// Thread-safety: all state lives on the connection's strand; `start` and `shut_down`
// may be called from any thread.
#pragma once

#include "net/session_registry.hpp"
#include "net/websocket_session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace so::net {

class connection_slot;    // net/connection_slot.hpp
struct ws_auth_decision;  // net/ws_upgrade_auth.hpp

class http_session final : public tracked_session,
                           public std::enable_shared_from_this<http_session> {
 public:
  /// Serves `socket` (its executor must run one handler at a time: a strand, or an
  /// io_context run by one thread) until it closes or upgrades.
  static void start(boost::asio::ip::tcp::socket socket,
                    std::shared_ptr<session_registry> registry);

  ~http_session() override;

  void shut_down(std::uint16_t code, const std::string& reason) override;

 private:
  using request_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using response = boost::beast::http::response<boost::beast::http::string_body>;

  http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry);

  void do_read();
  /// The header is in: answers `Expect: 100-continue`, then reads the body.
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_request();
  /// Verifies `?token=` (net/ws_upgrade_auth.hpp), then finish_upgrade on this strand.
  void upgrade();
  void finish_upgrade(websocket_session::request_type req, upgrade_info info, connection_slot slot,
                      ws_auth_decision decision);
  /// What an upgrade waits on while its token is verified (handed to the verifier).
  struct pending_upgrade {
    std::shared_ptr<http_session> self;
    std::shared_ptr<websocket_session::request_type> req;
    upgrade_info info;
    std::shared_ptr<connection_slot> slot;
  };
  /// 401 with the JSON error envelope: strict WS auth and no valid token.
  void refuse_unauthorized(unsigned version, const ws_auth_decision& decision);
  /// Hands the request to the router; the answer comes back on this executor.
  void route(unsigned version, bool keep_alive);
  /// 413: the body passed SMOOTH_AGENT_MAX_HTTP_BODY_BYTES (or 431: the header passed
  /// Beast's 8 KiB header limit); the connection closes.
  void refuse_too_large(bool header = false);
  /// After a 413: stop sending, then read and discard what the client is still
  /// sending (bounded in bytes and time) so closing does not reset the connection
  /// before the client has read the answer.
  void linger_close();
  /// 503 with a JSON body: every WebSocket slot (SMOOTH_AGENT_MAX_CONNECTIONS) is taken.
  void refuse_full(unsigned version);
  void send(response res);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<request_parser> parser_;  // fresh per request (a parser is single-use)
  response res_;                          // the response being written
  std::shared_ptr<session_registry> registry_;
  const std::uint64_t id_;
  std::string remote_;
  /// The ids every log line of this HTTP connection carries.
  logging::log_ids ids() const { return {.remote = remote_}; }
  bool reading_ = false;
  bool closing_ = false;      // close_all ran: finish the current write, then close
  bool handed_over_ = false;  // the socket now belongs to a websocket_session
  bool linger_ = false;       // close through linger_close (after a 413)
  bool lingering_ = false;    // linger_close started (its deadline is set)
  std::uint64_t discarded_ = 0;
};

}  // namespace so::net
