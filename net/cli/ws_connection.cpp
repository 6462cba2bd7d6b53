// net/cli/ws_connection.cpp — see ws_connection.hpp.
#include "net/cli/ws_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <csignal>
#include <deque>
#include <list>
#include <stdexcept>

namespace so::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Handlers capture the raw impl: it owns the io_context, so a handler can only run
// while the impl lives (pending ones are destroyed, uncalled, with the context).
struct ws_connection::impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  bool writing = false;
  bool closing = false;
  bool stopped = false;
  handlers h;
  std::unique_ptr<asio::signal_set> signals;
  std::function<void()> interrupt;
  std::list<asio::steady_timer> timers;

  void read() {
    ws.async_read(buffer, [self = this](beast::error_code ec, std::size_t) {
      if (ec) return self->ended(ec);
      std::string frame = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      if (self->h.on_frame && !self->stopped) self->h.on_frame(std::move(frame));
      if (!self->stopped) self->read();
    });
  }

  void ended(beast::error_code ec) {
    if (stopped || closing) return;
    std::string why;
    if (ec == websocket::error::closed) {
      const auto& r = ws.reason();
      why = "closed by the server (" + std::to_string(r.code) +
            (r.reason.empty() ? std::string() : " " + std::string(r.reason.c_str())) + ")";
    } else {
      why = ec.message();
    }
    if (h.on_closed) h.on_closed(std::move(why));
  }

  void write_next() {
    if (writing || outbox.empty()) {
      if (!writing && closing) do_close();
      return;
    }
    writing = true;
    ws.text(true);
    ws.async_write(asio::buffer(outbox.front()), [self = this](beast::error_code ec, std::size_t) {
      self->writing = false;
      self->outbox.pop_front();
      if (ec) return self->ended(ec);
      self->write_next();
    });
  }

  void do_close() {
    auto& t = timers.emplace_back(ioc);
    t.expires_after(std::chrono::seconds(2));
    t.async_wait([self = this](beast::error_code ec) {
      if (!ec) self->halt();
    });
    ws.async_close(websocket::close_code::normal,
                   [self = this](beast::error_code) { self->halt(); });
  }

  void halt() {
    stopped = true;
    ioc.stop();
  }
};

ws_connection::ws_connection(const std::string& host, std::uint16_t port, const std::string& target,
                             std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  auto& ioc = impl_->ioc;
  auto& stream = beast::get_lowest_layer(impl_->ws);
  beast::error_code result = asio::error::would_block;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { result = e; });
  ioc.run();
  ioc.restart();
  if (result)
    throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                             result.message());
  result = asio::error::would_block;
  stream.expires_after(timeout);
  impl_->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "smooth-operator-cli");
  }));
  websocket::response_type res;
  impl_->ws.async_handshake(res, host + ":" + std::to_string(port), target,
                            [&](beast::error_code e) { result = e; });
  ioc.run();
  ioc.restart();
  if (result) {
    std::string why = result.message();
    if (res.result_int() != 0) why = "HTTP " + std::to_string(res.result_int());
    throw std::runtime_error("WebSocket upgrade failed: " + why);
  }
  stream.expires_never();
}

ws_connection::~ws_connection() {
  if (impl_->signals) {
    beast::error_code ec;
    impl_->signals->cancel(ec);
  }
}

void ws_connection::start(handlers h) {
  impl_->h = std::move(h);
  impl_->read();
}

void ws_connection::send(std::string frame) {
  if (impl_->outbox.size() >= kMaxQueuedFrames)
    throw std::length_error("too many frames queued for the server");
  impl_->outbox.push_back(std::move(frame));
  impl_->write_next();
}

void ws_connection::on_interrupt(std::function<void()> fn) {
  impl_->interrupt = std::move(fn);
  if (impl_->signals) return;
  impl_->signals = std::make_unique<asio::signal_set>(impl_->ioc, SIGINT);
  struct waiter {
    impl* self;
    void operator()(beast::error_code ec, int) const {
      if (ec || self->stopped) return;
      if (self->interrupt) self->interrupt();
      if (!self->stopped) self->signals->async_wait(waiter{self});
    }
  };
  impl_->signals->async_wait(waiter{impl_.get()});
}

void ws_connection::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto& t = impl_->timers.emplace_back(impl_->ioc);
  t.expires_after(delay);
  t.async_wait([self = impl_.get(), fn = std::move(fn)](beast::error_code ec) {
    if (!ec && !self->stopped) fn();
  });
}

void ws_connection::close_and_stop() {
  if (impl_->closing || impl_->stopped) return;
  impl_->closing = true;
  impl_->write_next();
}

void ws_connection::stop() {
  impl_->halt();
}

void ws_connection::run() {
  impl_->ioc.run();
}

void ws_connection::post(std::function<void()> fn) {
  asio::post(impl_->ioc, [self = impl_.get(), fn = std::move(fn)] {
    if (!self->stopped) fn();
  });
}

}  // namespace so::cli
