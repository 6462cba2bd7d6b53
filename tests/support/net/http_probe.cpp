// tests/support/net/http_probe.cpp — see http_probe.hpp.
#include "tests/support/net/http_probe.hpp"

#include "tests/support/net/sync_io.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace so::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::string> http_reply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

struct http_connection::impl {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host;
  std::uint16_t port = 0;
  milliseconds timeout;
};

http_connection::http_connection(const std::string& host, std::uint16_t port, milliseconds timeout)
    : impl_(std::make_unique<impl>()) {
  impl_->host = host;
  impl_->port = port;
  impl_->timeout = timeout;
  connect_stream(impl_->io, impl_->stream, host, port, timeout);
}

http_connection::~http_connection() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

http_reply http_connection::request(const http_request_spec& spec) {
  auto& im = *impl_;
  http::request<http::string_body> req;
  req.version(11);
  req.target(spec.target);
  // Beast rejects verb::unknown; an unusual method is sent by name.
  if (const auto verb = http::string_to_verb(spec.method); verb != http::verb::unknown) {
    req.method(verb);
  } else {
    req.method_string(spec.method);
  }
  req.set(http::field::host, host_port(im.host, im.port));
  for (const auto& [name, value] : spec.headers) req.set(name, value);
  req.body() = spec.body;
  req.prepare_payload();

  http::response<http::string_body> res;
  beast::error_code ec;
  bool done = false;
  im.stream.expires_after(im.timeout);
  http::async_write(im.stream, req, [&](beast::error_code e, std::size_t) {
    if (e) {
      ec = e;
      done = true;
      return;
    }
    http::async_read(im.stream, im.buffer, res, [&](beast::error_code e2, std::size_t) {
      ec = e2;
      done = true;
    });
  });
  if (!run_until(
          im.io, [&] { return done; }, im.timeout + milliseconds(1000))) {
    im.stream.close();
    run_until(
        im.io, [&] { return done; }, milliseconds(1000));
    throw std::runtime_error("http " + spec.method + " " + spec.target + ": timed out");
  }
  im.stream.expires_never();
  if (ec) throw std::runtime_error("http " + spec.method + " " + spec.target + ": " + ec.message());

  http_reply reply;
  reply.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  reply.body = res.body();
  reply.keep_alive = res.keep_alive();
  return reply;
}

bool http_connection::wait_closed(milliseconds timeout) {
  auto& im = *impl_;
  char byte = 0;
  beast::error_code ec;
  bool done = false;
  im.stream.expires_after(timeout);
  im.stream.async_read_some(asio::buffer(&byte, 1), [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  run_until(
      im.io, [&] { return done; }, timeout + milliseconds(1000));
  if (!done) {
    im.stream.close();
    run_until(
        im.io, [&] { return done; }, milliseconds(1000));
    return false;
  }
  // EOF or reset means the server closed; a timeout (or stray byte) means it did not.
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

http_reply ws_upgrade_reply(const std::string& host, std::uint16_t port) {
  http_connection conn(host, port);
  return conn.request({"GET",
                       "/ws",
                       {{"Connection", "Upgrade"},
                        {"Upgrade", "websocket"},
                        {"Sec-WebSocket-Version", "13"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}},
                       ""});
}

void ws_connect_and_drop(const std::string& host, std::uint16_t port, const std::string& target) {
  asio::io_context io;
  beast::websocket::stream<tcp::socket> ws(io);
  tcp::resolver resolver(io);
  asio::connect(ws.next_layer(), resolver.resolve(host, std::to_string(port)));
  ws.handshake(host_port(host, port), target);  // throws if declined
  // No Close frame, no FIN handshake: linger 0 makes close() send a reset.
  ws.next_layer().set_option(asio::socket_base::linger(true, 0));
  ws.next_layer().close();
}

}  // namespace so::test
