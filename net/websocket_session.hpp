// net/websocket_session.hpp — one upgraded `/ws` connection: the read loop that feeds an
// inbound_handler, and the bounded outbound queue behind its event_sink.
//
// Private to net/ (includes Beast). Lifetime: owned by its pending async operations
// (shared_from_this); the registry and the sink hold weak_ptrs only, so an actor
// holding the sink never keeps the socket alive (stack.md §4.4).
// Thread-safety: all state lives on the connection's strand. `start` and `shut_down`
// may be called from any thread; the sink posts to the strand.
#pragma once

#include "net/connection_handler.hpp"
#include "net/session_registry.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace so::net {

class websocket_session final : public tracked_session,
                                public std::enable_shared_from_this<websocket_session> {
 public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  /// Takes over `socket` (its executor must be a strand) and answers the upgrade `req`.
  static void start(boost::asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry,
                    upgrade_info info, request_type req);

  ~websocket_session() override;

  void shut_down(std::uint16_t code, const std::string& reason) override;

 private:
  friend class websocket_sink;

  websocket_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry,
                    upgrade_info info);

  void do_accept(request_type req);
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void end_reading(boost::beast::error_code ec);
  void dispatch_frame();

  // Outbound side (strand only).
  void enqueue(frame f);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void drop_queue();
  /// Stops taking pushes and sends a Close frame once the in-flight write (and, unless
  /// `drop_queue`, everything queued) is out; the socket is cut at `deadline` at the latest.
  void begin_close(std::uint16_t code, std::string reason, std::chrono::milliseconds deadline,
                   bool drop_queued);
  void send_close();
  void arm_deadline(std::chrono::milliseconds deadline);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer deadline_;
  std::shared_ptr<session_registry> registry_;
  const std::uint64_t id_;
  upgrade_info info_;  // holds the token: never log it
  std::unique_ptr<inbound_handler> handler_;

  std::deque<frame> queue_;  // front is the frame being written while `writing_`
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool accepted_ = false;
  bool reading_done_ = false;
  bool closing_ = false;  // we decided to close; Close frame pending or sent
  bool close_sent_ = false;
  std::optional<std::chrono::steady_clock::time_point> deadline_at_;
  boost::beast::websocket::close_reason close_reason_;
  // The only member read off the strand (by the sink's is_open()).
  std::atomic<bool> open_{false};
};

}  // namespace so::net
