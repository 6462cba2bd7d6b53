// net/websocket_session.hpp — one upgraded `/ws` connection: the read loop that feeds an
// inbound_handler under inbound flow control and a frame-rate limit, and the
// byte-bounded outbound queue behind its event_sink.
//
// Bounds (README "Limits"): at most `max_inbound_frames` frames / `max_inbound_bytes`
// bytes (plus one frame) read but not yet handled — then the session stops reading
// until the layer above returns credit (event_sink::release_inbound); frames over
// `max_frames_per_sec` in a one-second window are dropped (one on_rate_limited per
// window); outbound bytes queued (the frame being written included) never exceed
// `max_outbound_bytes` — a push that would, even a single frame on an empty queue,
// closes the connection 4008 "slow consumer". Timeouts (protocol.md §1.3): the
// upgrade handshake has `handshake_timeout`; there is no idle timeout and the server
// sends no Ping frames of its own.
//
// Private to net/ (includes Beast). Lifetime: owned by its pending async operations
// (shared_from_this), and by itself while reading is paused for credit; the registry and the sink
// hold weak_ptrs only, so an actor holding the sink never keeps the socket alive (stack.md §4.4).
// Owns one connection slot of the registry (reserved at the upgrade decision) until it is
// destroyed. Thread-safety: the socket's executor must run one handler at a time — a strand, or an
// io_context run by one thread (then the strand's ~0.3 KB per connection can go). All state lives
// on that executor ("the strand" below), except `open_` and the inbound credit counters (atomics in
// the sink). `start` and `shut_down` may be called from any thread; the sink posts to the strand.
#pragma once

#include "adapters/logging/log_ids.hpp"
#include "net/connection_handler.hpp"
#include "net/frame_queue.hpp"
#include "net/io_thread_index.hpp"
#include "net/session_registry.hpp"
#include "net/write_batching_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace so::net {

class websocket_sink;

class websocket_session final : public tracked_session,
                                public end_of_actor_run_task,
                                public std::enable_shared_from_this<websocket_session> {
 public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  /// Takes over `socket` and a connection slot taken
  /// with session_registry::reserve_connection, and answers the upgrade `req`.
  static void start(boost::asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry,
                    upgrade_info info, request_type req);

  ~websocket_session() override;

  void shut_down(std::uint16_t code, const std::string& reason) override;

 private:
  friend class websocket_sink;
  // Plain socket under the WebSocket stream: beast::tcp_stream would add ~0.5 KB of
  // timers per connection, and the WebSocket stream keeps its own handshake timer.
  // No permessage-deflate support compiled in (protocol.md §1.1: no extensions).
  // Writes pass a batching layer, so a burst of frames leaves in one send (do_write).
  using ws_stream =
      boost::beast::websocket::stream<write_batching_stream<boost::asio::ip::tcp::socket>, false>;

  websocket_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<session_registry> registry,
                    std::string remote_endpoint);

  /// What only a closing connection needs (kept out of every idle one).
  struct close_state {
    explicit close_state(const boost::asio::any_io_executor& ex) : deadline(ex) {}
    boost::asio::steady_timer deadline;  // cuts the socket if the close stalls
    std::optional<std::chrono::steady_clock::time_point> deadline_at;
    std::string text;
    std::uint16_t code = 0;
  };

  void do_accept(request_type req, upgrade_info info);
  void on_accept(boost::beast::error_code ec, upgrade_info& info);
  /// The ids every log line of this connection carries.
  logging::log_ids ids() const { return {.conn = conn_id_, .remote = remote_}; }
  // Inbound side (strand only).
  void do_read();
  void on_first_byte(boost::beast::error_code ec, std::size_t bytes);
  void on_rest(boost::beast::error_code ec, std::size_t bytes);
  void on_message();
  void resume_reading();
  bool admit_by_rate();
  void dispatch_frame(std::size_t size);
  void end_reading(boost::beast::error_code ec);

  // Outbound side (strand only).
  /// Queues `f`. `in_actor_run`: pushed by an actor running on this socket's thread; the
  /// write then starts when that run ends, with every frame the run pushed.
  void enqueue(frame f, bool in_actor_run = false);
  void at_end_of_actor_run() override;
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void drop_queue();
  /// Stops taking pushes and sends a Close frame once the in-flight write (and, unless
  /// `drop_queue`, everything queued) is out; the socket is cut at `deadline` at the latest.
  void begin_close(std::uint16_t code, std::string reason, std::chrono::milliseconds deadline,
                   bool drop_queued);
  void send_close();
  void arm_deadline(std::chrono::milliseconds deadline);

  ws_stream ws_;
  // A message's payload after its first byte; holds no storage between messages
  // (an idle connection reads one byte into `first_byte_` and has no buffer).
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<session_registry> registry_;
  std::shared_ptr<websocket_sink> sink_;  // also holds the inbound credit counters
  const std::uint64_t id_;
  const std::string remote_;  // for logs; the token is never kept here
  std::string conn_id_;       // set at accept: the connection's id (logs, its actor)
  std::unique_ptr<inbound_handler> handler_;
  std::unique_ptr<close_state> close_;  // made when closing starts
  // Set while reading is paused for credit: then no operation holds the session, and
  // the sink holds it only weakly. Cleared by the resume, or when the close completes.
  std::shared_ptr<websocket_session> paused_self_;

  frame_queue queue_;  // front is the frame being written while `writing_`
  std::chrono::steady_clock::time_point rate_window_start_{};
  std::uint32_t rate_window_frames_ = 0;
  std::uint8_t first_len_ = 0;  // 0 or 1: bytes of the message in `first_byte_`
  char first_byte_ = 0;
  bool reading_ = false;  // a read is pending
  bool rate_error_sent_ = false;
  bool writing_ = false;
  bool write_deferred_ = false;  // a write starts at the end of the current actor run
  bool accepted_ = false;
  bool reading_done_ = false;
  bool closing_ = false;  // we decided to close; Close frame pending or sent
  bool close_sent_ = false;
  // The only member read off the strand (by the sink's is_open()).
  std::atomic<bool> open_{false};
};

}  // namespace so::net
