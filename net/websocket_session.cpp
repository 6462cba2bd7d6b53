// net/websocket_session.cpp — see websocket_session.hpp.
#include "net/websocket_session.hpp"

#include "net/io_thread_index.hpp"
#include "protocol/ids.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

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
// A read buffer up to this size is kept between messages (small frames then reuse
// it); a larger one is freed after its message.
constexpr std::size_t kKeepReadBuffer = 512;

void raise_to(std::atomic<std::uint64_t>& peak, std::uint64_t value) {
  auto seen = peak.load(std::memory_order_relaxed);
  while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

/// The event_sink handed to the layer above, and the connection's inbound credit.
/// Holds the session weakly (no cycle through the handler's actors) and posts
/// everything to the session's strand, which keeps the pushes of one thread in call
/// order. It holds no executor of its own: a sink kept after the io_context is gone
/// (by a test, or an actor torn down late) must not own a strand whose service has
/// already been destroyed.
///
/// Inbound credit: the session charges each frame it hands over (strand), the layer
/// above releases it from any thread. Pausing is a handshake on `paused_` so that
/// exactly one side resumes reading: the session sets it and re-checks the counters;
/// a release that finds it set and the counters under the bound clears it and posts
/// the resume. Whoever clears it (exchange) owns the next read.
class websocket_sink final : public event_sink {
 public:
  websocket_sink(std::weak_ptr<websocket_session> session, std::size_t max_frames,
                 std::size_t max_bytes)
      : session_(std::move(session)), max_frames_(max_frames), max_bytes_(max_bytes) {}

  void push(frame f) override {
    if (!f) return;
    auto s = session_.lock();
    if (!s || !s->open_.load()) return;  // cheap early drop; the strand re-checks
    // From an actor running on the socket's own io thread (a turn streaming next to
    // its connection), with none of this sink's frames still posted: queue it now,
    // one post per frame saved, and its write waits for the end of the actor's run, so
    // the run's frames leave in one send. A frame posted earlier from another thread is still
    // ahead in the io queue, so then this one is posted too: order holds either way.
    // (An io thread runs its io_context alone, so being on it is being on the
    // session's strand; an actor handler is never inside one of the session's own.)
    if (posted_.load() == 0 && on_session_thread(*s)) return s->enqueue(std::move(f), true);
    posted_.fetch_add(1);
    asio::post(s->ws_.get_executor(), [weak = session_, f = std::move(f)]() mutable {
      if (auto live = weak.lock()) {
        live->sink_->posted_.fetch_sub(1);
        live->enqueue(std::move(f));
      }
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

  void release_inbound(std::size_t bytes) override {
    frames_.fetch_sub(1);
    bytes_.fetch_sub(bytes);
    if (!paused_.load() || over_bound()) return;
    if (!paused_.exchange(false)) return;  // the session resumed by itself
    auto s = session_.lock();
    if (!s) return;
    asio::post(s->ws_.get_executor(), [weak = session_] {
      if (auto live = weak.lock()) live->resume_reading();
    });
  }

  // ---- session side (strand) ----

  struct in_flight {
    std::size_t frames;
    std::size_t bytes;
  };
  in_flight charge(std::size_t bytes) {
    return {frames_.fetch_add(1) + 1, bytes_.fetch_add(bytes) + bytes};
  }
  /// True when the session must stop reading: at the bound, and no release has
  /// come in between to take the resume over.
  bool pause_if_over_bound() {
    if (!over_bound()) return false;
    paused_.store(true);
    if (over_bound()) return true;
    // Credit came back meanwhile: if its release did not claim the resume, we do.
    return !paused_.exchange(false);
  }

 private:
  bool over_bound() const { return frames_.load() >= max_frames_ || bytes_.load() >= max_bytes_; }

  static bool on_session_thread(websocket_session& s) {
    const auto& here = current_io_thread();
    const auto* io = here.io;
    return io != nullptr && here.in_actor &&
           &asio::query(s.ws_.get_executor(), asio::execution::context) ==
               static_cast<const asio::execution_context*>(io);
  }

  std::weak_ptr<websocket_session> session_;
  const std::size_t max_frames_;
  const std::size_t max_bytes_;
  std::atomic<std::size_t> frames_{0};
  std::atomic<std::size_t> bytes_{0};
  std::atomic<bool> paused_{false};
  std::atomic<std::uint32_t> posted_{0};  ///< frames posted to the session, not yet queued
};

void websocket_session::start(asio::ip::tcp::socket socket,
                              std::shared_ptr<session_registry> registry, upgrade_info info,
                              request_type req) {
  std::shared_ptr<websocket_session> self(
      new websocket_session(std::move(socket), std::move(registry), info.remote_endpoint));
  // Registered before the http_session that created us goes away, so the registry's
  // set never looks empty in between (close_all's `done` would fire too early).
  self->registry_->add(self->id_, self);
  self->ws_.next_layer().set_owner(self);
  asio::dispatch(self->ws_.get_executor(),
                 [self, req = std::move(req), info = std::move(info)]() mutable {
                   self->do_accept(std::move(req), std::move(info));
                 });
}

websocket_session::websocket_session(asio::ip::tcp::socket socket,
                                     std::shared_ptr<session_registry> registry,
                                     std::string remote_endpoint)
    : ws_(std::move(socket)),
      registry_(std::move(registry)),
      id_(registry_->next_id()),
      remote_(std::move(remote_endpoint)) {}

websocket_session::~websocket_session() {
  // Normally on_closed already ran from the read loop; this covers an io_context torn
  // down with the connection still open, so the contract "exactly once" holds.
  if (handler_) {
    try {
      handler_->on_closed();
    } catch (const std::exception& e) {
      spdlog::error("{} ws: on_closed threw: {}", ids(), e.what());
    }
    handler_.reset();
  }
  if (accepted_) {
    registry_->stats().connections_open.fetch_sub(1);
    spdlog::debug("{} ws: gone", ids());
  }
  registry_->release_connection();
  registry_->remove(id_);
}

void websocket_session::shut_down(std::uint16_t code, const std::string& reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason] {
    if (!self->accepted_) {
      // Still in the handshake: nothing to say Close to; cutting the socket fails it.
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).close(ec);
      return;
    }
    self->begin_close(code, reason, kShutdownDeadline, false);
  });
}

void websocket_session::do_accept(request_type req, upgrade_info info) {
  const auto& options = registry_->options();
  // protocol.md §1.3, explicitly rather than through timeout::suggested: the upgrade
  // handshake is bounded, but there is no idle timeout and the server never pings.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "smooth-operator-cpp");
  }));
  ws_.read_message_max(options.max_frame_bytes);
  ws_.auto_fragment(false);  // one outbound event = one frame
  // The upgrade info (token, origin) rides with the handshake, not in the session.
  ws_.async_accept(req, [self = shared_from_this(), info = std::move(info)](
                            beast::error_code ec) mutable { self->on_accept(ec, info); });
}

void websocket_session::on_accept(beast::error_code ec, upgrade_info& info) {
  if (ec) {
    spdlog::debug("{} ws: handshake failed: {}", ids(), ec.message());
    return;
  }
  accepted_ = true;
  open_.store(true);
  // The connection's id from now on, in every log line about it and for its actor.
  conn_id_ = protocol::new_uuid_v4();
  info.connection_id = conn_id_;
  ws_.text(true);
  registry_->stats().connections_open.fetch_add(1);
  spdlog::debug("{} ws: open", ids());

  const auto& options = registry_->options();
  sink_ = std::make_shared<websocket_sink>(weak_from_this(), options.max_inbound_frames,
                                           options.max_inbound_bytes);
  try {
    handler_ = registry_->factory()(info, sink_);
  } catch (const std::exception& e) {
    spdlog::error("{} ws: connection factory threw: {}", ids(), e.what());
  }
  if (!handler_) begin_close(kInternalErrorCode, "internal error", kCloseDeadline, true);
  // Read even when refusing: the close handshake needs a reader.
  do_read();
}

void websocket_session::do_read() {
  // The first read asks for one payload byte only, into `first_byte_`: Beast reads
  // the frame header (and what the kernel has) into its own buffer, so an idle
  // connection waits without a read buffer of ours. The rest of the message, if
  // any, is then read into `buffer_`, sized by Beast to what remains.
  reading_ = true;
  // A lambda holding only `self` keeps the operation that waits on every idle
  // connection 16 bytes smaller than bind_front_handler (member pointer + self).
  ws_.async_read_some(asio::buffer(&first_byte_, 1),
                      [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                        self->on_first_byte(ec, bytes);
                      });
}

void websocket_session::on_first_byte(beast::error_code ec, std::size_t bytes) {
  if (ec) return end_reading(ec);
  first_len_ = static_cast<std::uint8_t>(bytes);  // at most the 1-byte buffer
  if (ws_.is_message_done()) return on_message();
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&websocket_session::on_rest, shared_from_this()));
}

void websocket_session::on_rest(beast::error_code ec, std::size_t) {
  if (ec) return end_reading(ec);
  on_message();
}

void websocket_session::on_message() {
  reading_ = false;
  const std::size_t size = first_len_ + buffer_.size();
  // Frames that arrive while draining or after we decided to close are read (so
  // control frames keep working) but not dispatched.
  if (handler_ && !closing_ && !registry_->reading_stopped() && admit_by_rate()) {
    dispatch_frame(size);
  }
  buffer_.consume(buffer_.size());
  // Read buffers shrink back after a large message (an empty flat_buffer frees all).
  if (buffer_.capacity() > kKeepReadBuffer) buffer_.shrink_to_fit();
  if (sink_ && sink_->pause_if_over_bound()) {
    // Credit exhausted: no read until the layer above releases some
    // (websocket_sink::release_inbound → resume_reading). TCP pushes back meanwhile.
    // No operation is pending now, so the session keeps itself alive until then.
    registry_->stats().inbound_pauses.fetch_add(1);
    paused_self_ = shared_from_this();
    return;
  }
  do_read();
}

void websocket_session::resume_reading() {
  // While closing, Beast's close operation does the reading (one read at a time) and
  // its completion lets go of `paused_self_`.
  if (reading_ || reading_done_ || closing_) return;
  auto self = std::move(paused_self_);
  do_read();
}

bool websocket_session::admit_by_rate() {
  const std::uint32_t limit = registry_->options().max_frames_per_sec;
  if (limit == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now - rate_window_start_ >= std::chrono::seconds(1)) {
    rate_window_start_ = now;
    rate_window_frames_ = 0;
    rate_error_sent_ = false;
  }
  if (++rate_window_frames_ <= limit) return true;
  registry_->stats().rate_limited_frames.fetch_add(1);
  if (!rate_error_sent_) {
    // One notice per window, however many frames are dropped (no amplification).
    rate_error_sent_ = true;
    spdlog::info("{} ws: over {} frames per second; dropping frames for the rest of the second",
                 ids(), limit);
    try {
      handler_->on_rate_limited(limit);
    } catch (const std::exception& e) {
      spdlog::error("{} ws: handler threw: {}", ids(), e.what());
    }
  }
  return false;
}

void websocket_session::dispatch_frame(std::size_t size) {
  const bool text = ws_.got_text();
  const auto charged = sink_->charge(text ? size : 0);
  auto& stats = registry_->stats();
  raise_to(stats.inbound_peak_frames, charged.frames);
  raise_to(stats.inbound_peak_bytes, charged.bytes);
  try {
    if (text) {
      std::string message;
      message.reserve(size);
      message.append(&first_byte_, first_len_);
      message.append(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      handler_->on_text(std::move(message));
    } else {
      handler_->on_binary();
    }
  } catch (const std::exception& e) {
    // A handler bug must not take the I/O thread down; end this connection only.
    spdlog::error("{} ws: handler threw: {}", ids(), e.what());
    begin_close(kInternalErrorCode, "internal error", kCloseDeadline, true);
  }
}

void websocket_session::end_reading(beast::error_code ec) {
  reading_ = false;
  paused_self_.reset();
  reading_done_ = true;
  open_.store(false);
  if (ec == websocket::error::closed) {
    spdlog::debug("{} ws: closed ({})", ids(), ws_.reason().code);
  } else if (ec == websocket::error::message_too_big) {
    // Beast has already sent Close 1009 (read_message_max).
    spdlog::info("{} ws: inbound message over {} bytes; closed 1009", ids(),
                 registry_->options().max_frame_bytes);
  } else {
    spdlog::debug("{} ws: read ended: {}", ids(), ec.message());
  }
  drop_queue();
  buffer_ = beast::flat_buffer();
  if (handler_) {
    auto handler = std::move(handler_);
    try {
      handler->on_closed();
    } catch (const std::exception& e) {
      spdlog::error("{} ws: on_closed threw: {}", ids(), e.what());
    }
  }
}

void websocket_session::enqueue(frame f, bool in_actor_run) {
  if (!open_.load()) return;
  const auto limit = registry_->options().max_outbound_bytes;
  // The bound covers everything queued, the frame being written included, and a
  // single frame on an empty queue too: nothing we send may exceed it.
  // The batching layer's bytes count too: they have left the queue, not the process.
  const std::size_t queued = queue_.bytes() + ws_.next_layer().pending_bytes();
  if (queued + f->size() > limit) {
    registry_->stats().slow_consumer_closes.fetch_add(1);
    spdlog::warn("{} ws: slow consumer: {} bytes queued, limit {}; closing 4008", ids(),
                 queued + f->size(), limit);
    begin_close(kSlowConsumerCode, "slow consumer", kCloseDeadline, true);
    return;
  }
  if (const auto& m = registry_->options().metrics) m->frame_out(*f);
  queue_.push_back(std::move(f));
  if (writing_ || write_deferred_) return;
  if (in_actor_run) {
    // The actor may push more before its run ends (a turn's tokens): write them together.
    write_deferred_ = true;
    return defer_to_end_of_actor_run(shared_from_this());
  }
  do_write();
}

void websocket_session::at_end_of_actor_run() {
  write_deferred_ = false;
  if (!writing_ && !queue_.empty()) do_write();
}

void websocket_session::do_write() {
  auto& out = ws_.next_layer();
  // A burst (a turn's tokens), or frames behind bytes still being sent: frame them here
  // and hand them all to the batching layer, which sends them in one go, instead of one
  // Beast write (composed operation, send, completion) each. Safe only between Beast
  // writes of ours (here `writing_` is false), while Beast is open (after a Close, sent
  // or received, no data frame may follow) and with nothing of Beast's half on the
  // socket (can_append).
  if ((queue_.size() > 1 || out.busy()) && out.can_append() && ws_.is_open()) {
    while (!queue_.empty()) {
      out.append_text_frame(*queue_.front());
      queue_.pop_front();
    }
    out.send();
    if (closing_ && !close_sent_) send_close();
    return;
  }
  writing_ = true;
  ws_.async_write(asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  queue_.pop_front();
  if (ec) {
    spdlog::debug("{} ws: write failed: {}", ids(), ec.message());
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
  while (queue_.size() > keep) queue_.pop_back();
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
  close_->code = code;
  close_->text = std::move(reason);
  if (!writing_) send_close();
}

void websocket_session::send_close() {
  close_sent_ = true;
  spdlog::debug("{} ws: sending Close {}", ids(), close_->code);
  // Once our Close is on the wire the peer gets about a second to answer, instead of
  // the handshake timeout (stack.md §4.4 item 5).
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = kShutdownDeadline;
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;
  ws_.set_option(opt);
  // Built through string_view: Beast 1.74's reason_string::assign(ptr, n) left it empty.
  const websocket::close_reason reason(
      static_cast<websocket::close_code>(close_->code),
      beast::string_view(close_->text.data(), close_->text.size()));
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
    self->paused_self_.reset();
    spdlog::debug("{} ws: close handshake done: {}", self->ids(), ec.message());
  });
}

void websocket_session::arm_deadline(std::chrono::milliseconds deadline) {
  const auto at = std::chrono::steady_clock::now() + deadline;
  if (!close_) close_ = std::make_unique<close_state>(ws_.get_executor());
  if (close_->deadline_at && *close_->deadline_at <= at) return;  // an earlier one stands
  close_->deadline_at = at;
  close_->deadline.expires_at(at);
  // Weak: the timer must not keep a finished session (and close_all's `done`) waiting.
  close_->deadline.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      spdlog::debug("{} ws: close deadline passed; dropping the socket", self->ids());
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->ws_).close(ignored);
    }
  });
}

}  // namespace so::net
