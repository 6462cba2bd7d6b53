// tests/support/net/ws_client.cpp — see ws_client.hpp.
//
// Every operation is asynchronous on the client's private io_context, which runs only
// inside the calls (so a client that is not inside `read` really is not reading: the
// slow-consumer tests rely on that). A timed-out read stays pending and is resumed by
// the next `read`, which keeps the WebSocket stream usable after a timeout.
#include "tests/support/net/ws_client.hpp"

#include "tests/support/net/sync_io.hpp"

#include <rapidjson/document.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <stdexcept>

namespace so::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// 1006 is the conventional "closed without a Close frame" code (never sent on the wire).
constexpr std::uint16_t kAbnormalClosure = 1006;

}  // namespace

struct ws_client::impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  std::deque<std::string> inbox;  // at most one frame: a read completed during a send
  bool read_pending = false;
  bool write_pending = false;
  beast::error_code write_ec;
  std::string write_buffer;
  std::optional<ws_close_info> closed;
  milliseconds timeout;
  std::size_t pings = 0;

  void start_read() {
    if (read_pending || closed) return;
    read_pending = true;
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      read_pending = false;
      if (ec) return on_read_error(ec);
      inbox.push_back(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
    });
  }

  void on_read_error(beast::error_code ec) {
    if (closed) return;
    // A received Close frame counts even when replying to it failed (the server may
    // already have dropped the socket after its close deadline).
    if (ec == websocket::error::closed || ws.reason().code != websocket::close_code::none) {
      const auto& reason = ws.reason().reason;
      closed = ws_close_info{ws.reason().code, std::string(reason.data(), reason.size())};
    } else {
      closed = ws_close_info{kAbnormalClosure, ec.message()};
    }
  }

  void send(std::string bytes, bool text) {
    if (!send_within(std::move(bytes), text, timeout))
      throw std::runtime_error("ws_client: send timed out");
  }

  bool send_within(std::string bytes, bool text, milliseconds wait) {
    // A previous send that timed out must finish before the stream takes another write.
    if (write_pending && !run_until(
                             io, [this] { return !write_pending; }, timeout)) {
      throw std::runtime_error("ws_client: previous send still blocked");
    }
    if (write_ec) throw std::runtime_error("ws_client: send failed: " + write_ec.message());
    if (closed) throw std::runtime_error("ws_client: send on a closed connection");
    write_buffer = std::move(bytes);
    ws.text(text);
    write_pending = true;
    ws.async_write(asio::buffer(write_buffer), [this](beast::error_code ec, std::size_t) {
      write_pending = false;
      write_ec = ec;
    });
    if (!run_until(
            io, [this] { return !write_pending; }, wait)) {
      return false;
    }
    if (write_ec) throw std::runtime_error("ws_client: send failed: " + write_ec.message());
    return true;
  }
};

ws_client::ws_client(const ws_connect_options& options) : impl_(std::make_unique<impl>()) {
  impl_->timeout = options.timeout;
  auto& ws = impl_->ws;
  connect_stream(impl_->io, beast::get_lowest_layer(ws), options.host, options.port,
                 options.timeout);

  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = options.timeout;
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;
  ws.set_option(opt);
  ws.read_message_max(64u << 20);
  const auto headers = options.headers;
  ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  ws.control_callback([im = impl_.get()](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++im->pings;
  });

  bool done = false;
  beast::error_code ec;
  ws.async_handshake(host_port(options.host, options.port), options.target,
                     [&](beast::error_code e) {
                       ec = e;
                       done = true;
                     });
  if (!run_until(
          impl_->io, [&] { return done; }, options.timeout + milliseconds(1000))) {
    beast::get_lowest_layer(ws).close();
    run_until(
        impl_->io, [&] { return done; }, milliseconds(1000));
    throw std::runtime_error("ws_client: handshake timed out");
  }
  if (ec) throw std::runtime_error("ws_client: handshake failed: " + ec.message());
}

ws_client::~ws_client() {
  try {
    close();
  } catch (...) {
    // Destructors do not throw; the socket is closed with the stream below.
  }
}

void ws_client::send_text(const std::string& text) {
  impl_->send(text, true);
}

bool ws_client::send_text_within(const std::string& text, std::chrono::milliseconds timeout) {
  return impl_->send_within(text, true, timeout);
}

std::size_t ws_client::pings_received() const {
  return impl_->pings;
}

void ws_client::send_binary(const std::string& bytes) {
  impl_->send(bytes, false);
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  if (impl_->inbox.empty()) {
    impl_->start_read();
    run_until(
        impl_->io, [this] { return !impl_->inbox.empty() || impl_->closed.has_value(); }, timeout);
  }
  if (impl_->inbox.empty()) return std::nullopt;
  std::string text = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return text;
}

std::optional<std::string> ws_client::read_until_type(const std::string& type,
                                                      std::chrono::milliseconds timeout,
                                                      std::vector<std::string>* skipped) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left <= milliseconds(0)) return std::nullopt;
    auto text = read(left);
    if (!text) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse(text->data(), text->size());
    if (!doc.HasParseError() && doc.IsObject()) {
      const auto it = doc.FindMember("type");
      if (it != doc.MemberEnd() && it->value.IsString() &&
          type == std::string(it->value.GetString(), it->value.GetStringLength())) {
        return text;
      }
    }
    if (skipped) skipped->push_back(std::move(*text));
  }
}

std::optional<ws_close_info> ws_client::closed() const {
  return impl_->closed;
}

void ws_client::close() {
  auto& im = *impl_;
  if (im.closed || !im.ws.is_open()) return;
  bool done = false;
  // With a read pending, that read receives the server's Close reply; without one,
  // async_close reads (and discards) frames until the reply arrives.
  im.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  if (!run_until(
          im.io, [&] { return done && !im.read_pending; }, im.timeout)) {
    beast::get_lowest_layer(im.ws).close();
    run_until(
        im.io, [&] { return done && !im.read_pending; }, milliseconds(1000));
  }
  if (!im.closed) {
    const auto& reason = im.ws.reason().reason;
    im.closed = ws_close_info{im.ws.reason().code, std::string(reason.data(), reason.size())};
  }
}

std::pair<int, std::string> http_get(const std::string& host, std::uint16_t port,
                                     const std::string& target) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  const milliseconds timeout(5000);
  connect_stream(io, stream, host, port, timeout);

  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host_port(host, port));
  req.set(http::field::connection, "close");
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  beast::error_code ec;
  bool done = false;
  stream.expires_after(timeout);
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    if (e) {
      ec = e;
      done = true;
      return;
    }
    http::async_read(stream, buffer, res, [&](beast::error_code e2, std::size_t) {
      ec = e2;
      done = true;
    });
  });
  run_until(
      io, [&] { return done; }, timeout + milliseconds(1000));
  if (!done || ec) {
    throw std::runtime_error("http_get " + target + ": " + (done ? ec.message() : "timed out"));
  }
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace so::test
