// net/write_batching_stream.hpp — a stream layer under the WebSocket stream that can take
// whole frames from its owner and send everything it holds in one send.
//
// Why: a turn streams dozens of small frames in a burst. Beast writes each WebSocket
// message with its own composed operation, its own send and its own completion through
// the io queue; on a 2-core VM that was about a quarter of the server's CPU in a turn
// (docs/benchmarks.md). TCP_CORK only merged the packets, not the system calls.
//
// Contract:
//  - Pass-through: while the layer holds no bytes, `async_write_some` goes straight to
//    the socket and completes when the socket does (no copy, no buffer): a lone reply
//    (ping, create) costs what it costs without this layer.
//  - Otherwise `async_write_some` copies the bytes into the layer, starts sending unless
//    a send is in flight, and completes at once (posted). Beast issues one write at a
//    time, so a pass-through write is never overtaken.
//  - `append_text_frame` lets the owner (websocket_session) frame a message itself
//    (RFC 6455 §5.2: FIN, text, unmasked — a server's frame) straight into the layer,
//    then `send` hands everything held to the socket in one `async_write`. The owner may
//    do it only between its own Beast writes, while Beast is open (no Close sent or
//    received) and while `can_append()`: no pass-through write is half on the socket,
//    so the appended frame lands between whole frames. Beast's own pongs and Close
//    frames pass through this same layer in the order Beast issues them, so nothing is
//    reordered.
//  - Bound: the layer does not limit what it accepts. The owner counts `pending_bytes()`
//    in its outbound bound (max_outbound_bytes), so queue + layer stay within it.
//  - Errors: a failed send is remembered; later writes complete with it, and
//    `can_append()` turns false (the owner then writes through Beast and sees it).
//  - Lifetime: a send in flight keeps the owner alive through `set_owner` (a weak pointer
//    locked for the duration of each send), since Beast does not know about these sends.
//  - Buffers exist only while bytes are held or being sent: an idle connection pays
//    one pointer.
//  - Reads pass straight through to the next layer.
//
// Thread-safety: none; everything runs on the socket's executor (websocket_session's strand).
// Private to net/ (Beast). Header-only: instantiated by net/websocket_session.cpp only.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace so::net {

template <class NextLayer>
class write_batching_stream {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  template <class... Args>
  explicit write_batching_stream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }
  const next_layer_type& next_layer() const noexcept { return next_; }

  /// Who a send in flight keeps alive (the session owning this stream).
  void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }

  /// No pass-through write is on the socket and no send failed: a frame appended now
  /// lands between whole frames.
  bool can_append() const { return !passing_ && !(buffers_ && buffers_->failed); }
  /// Bytes are held or on their way: a write now queues behind them.
  bool busy() const { return passing_ || buffers_ != nullptr; }

  /// Appends one final, unmasked text frame carrying `payload` (sent by `send`).
  /// Precondition: no pass-through write in flight (can_append). After a failed send
  /// the frame is dropped, like every later write.
  void append_text_frame(std::string_view payload) {
    if (buffers_ && buffers_->failed) return;
    auto& pending = prepare_buffers().pending;
    char header[10];
    std::size_t n = 0;
    header[n++] = static_cast<char>(0x81);  // FIN, opcode 1 (text)
    const std::uint64_t size = payload.size();
    if (size < 126) {
      header[n++] = static_cast<char>(size);
    } else if (size <= 0xFFFF) {
      header[n++] = 126;
      for (int shift = 8; shift >= 0; shift -= 8) header[n++] = static_cast<char>(size >> shift);
    } else {
      header[n++] = 127;
      for (int shift = 56; shift >= 0; shift -= 8) header[n++] = static_cast<char>(size >> shift);
    }
    pending.append(header, n);
    pending.append(payload);
  }
  /// Starts sending what is held, unless a send is already in flight (then what is held
  /// follows it).
  void send() { start_send(); }

  /// Bytes accepted but not yet handed to the socket, plus those in the send in flight.
  std::size_t pending_bytes() const {
    return buffers_ ? buffers_->pending.size() + buffers_->sending.size() : 0;
  }

  template <class MutableBuffers, class ReadToken>
  auto async_read_some(const MutableBuffers& buffers, ReadToken&& token) {
    return next_.async_read_some(buffers, std::forward<ReadToken>(token));
  }

  template <class ConstBuffers, class WriteToken>
  auto async_write_some(const ConstBuffers& buffers, WriteToken&& token) {
    // Nothing held, queued, in flight or failed (buffers_ is freed once drained).
    if (!buffers_ && !passing_) {
      return boost::asio::async_initiate<WriteToken, void(boost::beast::error_code, std::size_t)>(
          [this](auto handler, const ConstBuffers& data) {
            passing_ = true;
            next_.async_write_some(data, [this, handler = std::move(handler)](
                                             boost::beast::error_code ec, std::size_t n) mutable {
              passing_ = false;
              start_send();  // bytes copied in behind it, if any
              std::move(handler)(ec, n);
            });
          },
          token, buffers);
    }
    return boost::asio::async_initiate<WriteToken, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& data) {
          prepare_buffers();
          std::size_t n = 0;
          const auto error = buffers_->failed;
          if (!error) {
            const auto size = boost::asio::buffer_size(data);
            auto& pending = buffers_->pending;
            const auto at = pending.size();
            pending.resize(at + size);
            n = boost::asio::buffer_copy(boost::asio::buffer(&pending[at], size), data);
            start_send();
          }
          boost::asio::post(get_executor(), [handler = std::move(handler), error, n]() mutable {
            std::move(handler)(error, n);
          });
        },
        token, buffers);
  }

 private:
  static constexpr std::size_t kInitialBytes = 4096;

  struct state {
    std::string pending;  // accepted, not yet handed to the socket
    std::string sending;  // the bytes of the send in flight
    boost::beast::error_code failed;
    bool sending_now = false;
  };

  // `pending` gets a burst's room at once (one allocation instead of a doubling per few
  // frames): when the buffers are made, and after a send, when `pending` is the old,
  // empty `sending`.
  state& prepare_buffers() {
    if (!buffers_) buffers_ = std::make_unique<state>();
    if (buffers_->pending.capacity() < kInitialBytes) buffers_->pending.reserve(kInitialBytes);
    return *buffers_;
  }

  void start_send() {
    if (passing_ || !buffers_ || buffers_->sending_now || buffers_->pending.empty() ||
        buffers_->failed)
      return;
    auto keep = owner_.lock();
    if (!keep) return;  // no owner (gone, or never set): nothing may outlive it
    auto& s = *buffers_;
    s.sending_now = true;
    s.sending.swap(s.pending);
    boost::asio::async_write(
        next_, boost::asio::buffer(s.sending),
        [this, keep = std::move(keep)](boost::beast::error_code ec, std::size_t) {
          auto& st = *buffers_;
          st.sending_now = false;
          st.sending.clear();
          if (ec) {
            st.failed = ec;
            st.pending.clear();
            return;
          }
          // Nothing left: free the buffers, so a connection between bursts (most of
          // them, most of the time) holds none (idle RSS, issue 7).
          if (st.pending.empty()) return buffers_.reset();
          start_send();
        });
  }

  NextLayer next_;
  std::weak_ptr<void> owner_;
  std::unique_ptr<state> buffers_;
  bool passing_ = false;  // a pass-through write is on the socket
};

// Beast closes a WebSocket through its next layer's teardown: the socket's.
template <class NextLayer>
void teardown(boost::beast::role_type role, write_batching_stream<NextLayer>& stream,
              boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, write_batching_stream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace so::net
