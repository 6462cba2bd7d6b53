// net/websocket_session.cpp — see websocket_session.hpp.
#include "net/websocket_session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <utility>

namespace so::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// A close requested by the layer above (or a slow consumer) may wait this long for the
// queue to flush and the peer's Close reply before the socket is cut.
constexpr std::chrono::milliseconds kCloseDeadline{5000};
// close_all at shutdown: an unresponsive peer must not hold the process for the
// default 30 s close handshake (stack.md §4.4 item 5).
constexpr std::chrono::milliseconds kShutdownDeadline{1000};

constexpr std::uint16_t kSlowConsumerCode = 4008;
constexpr std::uint16_t kInternalErrorCode = 1011;
constexpr std::size_t kMaxCloseReason = 123;

}  // namespace

/// The event_sink handed to the layer above. Holds the session weakly (no cycle through
/// the handler's actors) and posts everything to the session's strand, which keeps the
/// pushes of one thread in call order. It holds no executor of its own: a sink kept
/// after the io_context is gone (by a test, or an actor torn down late) must not own a
/// strand whose service has already been destroyed.
class websocket_sink final : public event_sink {
 public:
  explicit websocket_sink(std::weak_ptr<websocket_session> session)
      : session_(std::move(session)) {}

  void push(frame f) override {
    if (!f) return;
    auto s = session_.lock();
    if (!s || !s->open_.load()) return;  // cheap early drop; the strand re-checks
    asio::post(s->ws_.get_executor(), [weak = session_, f = std::move(f)]() mutable {
      if (auto live = weak.lock()) live->enqueue(std::move(f));
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    auto s = session_.lock();
    if (!s) return;
    asio::post(s->ws_.get_executor(),
               [weak = session_, code, reason = std::move(reason)]() mutable {
                 if (auto live = weak.lock())
                   live->begin_close(code, std::move(reason), kCloseDeadline, false);
               });
  }

  bool is_open() const override {
    auto s = session_.lock();
    return s && s->open_.load();
  }

 private:
  std::weak_ptr<websocket_session> session_;
};

void websocket_session::start(asio::ip::tcp::socket socket,
                              std::shared_ptr<session_registry> registry, upgrade_info info,
                              request_type req) {
  std::shared_ptr<websocket_session> self(
      new websocket_session(std::move(socket), std::move(registry), std::move(info)));
  // Registered before the http_session that created us goes away, so the registry's
  // set never looks empty in between (close_all's `done` would fire too early).
  self->registry_->add(self->id_, self);
  asio::dispatch(self->ws_.get_executor(),
                 [self, req = std::move(req)]() mutable { self->do_accept(std::move(req)); });
}

websocket_session::websocket_session(asio::ip::tcp::socket socket,
                                     std::shared_ptr<session_registry> registry, upgrade_info info)
    : ws_(std::move(socket)),
      deadline_(ws_.get_executor()),
      registry_(std::move(registry)),
      id_(registry_->next_id()),
      info_(std::move(info)) {}

websocket_session::~websocket_session() {
  // Normally on_closed already ran from the read loop; this covers an io_context torn
  // down with the connection still open, so the contract "exactly once" holds.
  if (handler_) {
    try {
      handler_->on_closed();
    } catch (const std::exception& e) {
      spdlog::error("ws {}: on_closed threw: {}", info_.remote_endpoint, e.what());
    }
    handler_.reset();
  }
  if (accepted_) {
    registry_->stats().connections_open.fetch_sub(1);
    spdlog::debug("ws {}: gone", info_.remote_endpoint);
  }
  registry_->remove(id_);
}

void websocket_session::shut_down(std::uint16_t code, const std::string& reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason] {
    if (!self->accepted_) {
      // Still in the handshake: nothing to say Close to; cutting the socket fails it.
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
      return;
    }
    self->begin_close(code, reason, kShutdownDeadline, false);
  });
}

void websocket_session::do_accept(request_type req) {
  const auto& options = registry_->options();
  // suggested(server): 30 s handshake, no idle timeout, no pings of our own
  // (protocol.md §1.3: the server never pings and has no idle timeout).
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::permessage_deflate{});  // explicit: no compression
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "smooth-operator-cpp");
  }));
  ws_.read_message_max(options.max_frame_bytes);
  ws_.auto_fragment(false);  // one outbound event = one frame
  ws_.async_accept(req,
                   beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("ws {}: handshake failed: {}", info_.remote_endpoint, ec.message());
    return;
  }
  accepted_ = true;
  open_.store(true);
  ws_.text(true);
  registry_->stats().connections_open.fetch_add(1);
  spdlog::debug("ws {}: open", info_.remote_endpoint);

  auto sink = std::make_shared<websocket_sink>(weak_from_this());
  try {
    handler_ = registry_->factory()(info_, std::move(sink));
  } catch (const std::exception& e) {
    spdlog::error("ws {}: connection factory threw: {}", info_.remote_endpoint, e.what());
  }
  if (!handler_) begin_close(kInternalErrorCode, "internal error", kCloseDeadline, true);
  // Read even when refusing: the close handshake needs a reader.
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) return end_reading(ec);
  // Frames that arrive while draining or after we decided to close are read (so
  // control frames keep working) but not dispatched.
  if (handler_ && !closing_ && !registry_->reading_stopped()) dispatch_frame();
  buffer_.consume(buffer_.size());
  do_read();
}

void websocket_session::dispatch_frame() {
  try {
    if (ws_.got_text()) {
      handler_->on_text(beast::buffers_to_string(buffer_.data()));
    } else {
      handler_->on_binary();
    }
  } catch (const std::exception& e) {
    // A handler bug must not take the I/O thread down; end this connection only.
    spdlog::error("ws {}: handler threw: {}", info_.remote_endpoint, e.what());
    begin_close(kInternalErrorCode, "internal error", kCloseDeadline, true);
  }
}

void websocket_session::end_reading(beast::error_code ec) {
  reading_done_ = true;
  open_.store(false);
  if (ec == websocket::error::closed) {
    spdlog::debug("ws {}: closed ({})", info_.remote_endpoint, ws_.reason().code);
  } else if (ec == websocket::error::message_too_big) {
    // Beast has already sent Close 1009 (read_message_max).
    spdlog::info("ws {}: inbound message over {} bytes; closed 1009", info_.remote_endpoint,
                 registry_->options().max_frame_bytes);
  } else {
    spdlog::debug("ws {}: read ended: {}", info_.remote_endpoint, ec.message());
  }
  drop_queue();
  if (handler_) {
    auto handler = std::move(handler_);
    try {
      handler->on_closed();
    } catch (const std::exception& e) {
      spdlog::error("ws {}: on_closed threw: {}", info_.remote_endpoint, e.what());
    }
  }
}

void websocket_session::enqueue(frame f) {
  if (!open_.load()) return;
  const auto limit = registry_->options().max_outbound_bytes;
  // A frame on its own may exceed the limit (a big history reply): the bound is on
  // what piles up behind a write the peer is not draining.
  if (!queue_.empty() && queued_bytes_ + f->size() > limit) {
    registry_->stats().slow_consumer_closes.fetch_add(1);
    spdlog::warn("ws {}: slow consumer: {} bytes queued, limit {}; closing 4008",
                 info_.remote_endpoint, queued_bytes_ + f->size(), limit);
    begin_close(kSlowConsumerCode, "slow consumer", kCloseDeadline, true);
    return;
  }
  queued_bytes_ += f->size();
  queue_.push_back(std::move(f));
  if (!writing_) do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  ws_.async_write(asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  queued_bytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (ec) {
    spdlog::debug("ws {}: write failed: {}", info_.remote_endpoint, ec.message());
    open_.store(false);
    drop_queue();
    return;
  }
  if (!queue_.empty()) return do_write();
  if (closing_ && !close_sent_) send_close();
}

void websocket_session::drop_queue() {
  // The front frame belongs to Beast until its write completes.
  const std::size_t keep = writing_ ? 1 : 0;
  while (queue_.size() > keep) {
    queued_bytes_ -= queue_.back()->size();
    queue_.pop_back();
  }
}

void websocket_session::begin_close(std::uint16_t code, std::string reason,
                                    std::chrono::milliseconds deadline, bool drop_queued) {
  if (reading_done_) return;  // the peer already closed or the transport failed
  open_.store(false);
  if (drop_queued) drop_queue();
  arm_deadline(deadline);
  if (closing_) return;  // the first close decides code and reason
  closing_ = true;
  // A Close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason.
  if (reason.size() > kMaxCloseReason) reason.resize(kMaxCloseReason);
  // Built through string_view: Beast 1.74's reason_string::assign(ptr, n) left it empty.
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                          beast::string_view(reason.data(), reason.size()));
  if (!writing_) send_close();
}

void websocket_session::send_close() {
  close_sent_ = true;
  spdlog::debug("ws {}: sending Close {}", info_.remote_endpoint, close_reason_.code);
  // Once our Close is on the wire the peer gets about a second to answer, instead of
  // the 30 s handshake timeout of suggested(server) (stack.md §4.4 item 5).
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = kShutdownDeadline;
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;
  ws_.set_option(opt);
  ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
    spdlog::debug("ws {}: close handshake done: {}", self->info_.remote_endpoint, ec.message());
  });
}

void websocket_session::arm_deadline(std::chrono::milliseconds deadline) {
  const auto at = std::chrono::steady_clock::now() + deadline;
  if (deadline_at_ && *deadline_at_ <= at) return;  // an earlier deadline stands
  deadline_at_ = at;
  deadline_.expires_at(at);
  // Weak: the timer must not keep a finished session (and close_all's `done`) waiting.
  deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      spdlog::debug("ws {}: close deadline passed; dropping the socket",
                    self->info_.remote_endpoint);
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                           ignored);
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    }
  });
}

}  // namespace so::net
