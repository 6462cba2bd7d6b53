// tests/support/net/sync_io.hpp — blocking helpers over a private io_context, shared by
// the test-side Beast peers (WebSocket client, HTTP probe, fake servers).
//
// Thread-safety: each helper drives only the io_context it is given; call it from the
// one thread that owns that io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace so::test {

/// Runs `io` until `done()` or the deadline; true if `done()` holds.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io.stopped()) io.restart();
    // Returns 0 at once when nothing is pending: then nothing can change `done()`.
    if (io.run_one_for(deadline - now) == 0 && io.stopped()) return done();
  }
  return true;
}

/// "host:port", with brackets around an IPv6 literal (the Host header form).
inline std::string host_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

/// Connects `stream` to host:port within `timeout`, with TCP_NODELAY; throws on failure.
inline void connect_stream(boost::asio::io_context& io, boost::beast::tcp_stream& stream,
                           const std::string& host, std::uint16_t port,
                           std::chrono::milliseconds timeout) {
  using std::chrono::milliseconds;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::beast::error_code ec;
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) throw std::runtime_error("resolve " + host_port(host, port) + ": " + ec.message());
  bool done = false;
  stream.expires_after(timeout);
  stream.async_connect(results,
                       [&](boost::beast::error_code e, const boost::asio::ip::tcp::endpoint&) {
                         ec = e;
                         done = true;
                       });
  run_until(
      io, [&] { return done; }, timeout + milliseconds(1000));
  if (!done) {
    stream.close();
    run_until(
        io, [&] { return done; }, milliseconds(1000));
    throw std::runtime_error("connect " + host_port(host, port) + ": timed out");
  }
  stream.expires_never();
  if (ec) throw std::runtime_error("connect " + host_port(host, port) + ": " + ec.message());
  boost::beast::error_code opt_ec;  // request/response traffic: no Nagle delay here either
  stream.socket().set_option(boost::asio::ip::tcp::no_delay(true), opt_ec);
}

/// Opens, binds and listens `acceptor` on 127.0.0.1 at an ephemeral port; returns the port.
inline std::uint16_t listen_on_loopback(boost::asio::ip::tcp::acceptor& acceptor) {
  const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(ep.protocol());
  acceptor.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen();
  return acceptor.local_endpoint().port();
}

}  // namespace so::test
