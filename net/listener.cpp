// net/listener.cpp — the acceptor half of net/listener.hpp; sessions live in
// http_session / websocket_session, the live set in session_registry.
//
// The acceptor runs on the registry's strand (first io_context), so accepting,
// stop_accepting and the session set never race; each accepted socket goes to the
// next io_context, round-robin, on that context's plain executor (one thread per
// context serializes it: see the contract in listener.hpp). Accepting on one thread and handing
// off keeps the spread exact (SO_REUSEPORT hashes the 4-tuple, which is uneven for
// a few dozen connections); the hand-off costs once per connection, never per frame.
#include "net/listener.hpp"

#include "net/http_session.hpp"
#include "net/session_registry.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <chrono>
#include <stdexcept>
#include <utility>

namespace so::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// After an accept error such as EMFILE, retrying at once would spin the I/O thread.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

std::string format_host_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Accepts "::1" and "[::1]" alike.
std::string strip_brackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace

struct listener::impl : std::enable_shared_from_this<listener::impl> {
  impl(std::vector<asio::io_context*> ios, listener_options options, connection_factory factory)
      : contexts(std::move(ios)),
        registry(std::make_shared<session_registry>(*contexts.at(0), std::move(options),
                                                    std::move(factory))),
        acceptor(registry->strand()),
        retry_timer(registry->strand()) {}

  void bind() {
    const auto& options = registry->options();
    const std::string host = strip_brackets(options.bind_address);
    const auto fail = [&](const std::string& reason) {
      throw std::runtime_error("bind " + format_host_port(host, options.port) + ": " + reason);
    };
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) fail("invalid address");
    const tcp::endpoint endpoint{address, options.port};
    if (acceptor.open(endpoint.protocol(), ec); ec) fail(ec.message());
    // Lets a restarted server rebind while old connections sit in TIME_WAIT; on Linux
    // it does not allow two live listeners on one port.
    if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) fail(ec.message());
    if (acceptor.bind(endpoint, ec); ec) fail(ec.message());
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) fail(ec.message());
    const auto local = acceptor.local_endpoint(ec);
    if (ec) fail(ec.message());
    port = local.port();
    bound = format_host_port(local.address().to_string(), port);
  }

  // Strand only from here on.
  void do_accept() {
    auto& io = *contexts[next_context++ % contexts.size()];
    acceptor.async_accept(io.get_executor(),
                          boost::beast::bind_front_handler(&impl::on_accept, shared_from_this()));
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (stopped) return;
    if (ec) {
      spdlog::warn("accept on {}: {}", bound, ec.message());
      retry_timer.expires_after(kAcceptRetryDelay);
      retry_timer.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec && !self->stopped) self->do_accept();
      });
      return;
    }
    // Events are small and latency-bound: without NODELAY, Nagle holds the first
    // stream_token behind the 202 ack until the client's delayed ACK (~40 ms).
    boost::system::error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    http_session::start(std::move(socket), registry);
    do_accept();
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    boost::system::error_code ec;
    acceptor.close(ec);
    retry_timer.cancel();
  }

  const std::vector<asio::io_context*> contexts;  // [0] runs the acceptor
  std::shared_ptr<session_registry> registry;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::uint16_t port = 0;        // immutable after bind()
  std::string bound;             // immutable after bind()
  std::size_t next_context = 0;  // strand only: round-robin hand-off
  bool started = false;          // strand only
  bool stopped = false;          // strand only
};

listener::listener(asio::io_context& io, listener_options options, connection_factory factory)
    : listener(std::vector<asio::io_context*>{&io}, std::move(options), std::move(factory)) {}

listener::listener(std::vector<asio::io_context*> contexts, listener_options options,
                   connection_factory factory)
    : impl_(std::make_shared<impl>(std::move(contexts), std::move(options), std::move(factory))) {
  impl_->bind();
}

listener::~listener() {
  stop_accepting();
}

std::uint16_t listener::port() const {
  return impl_->port;
}

std::string listener::bound_address() const {
  return impl_->bound;
}

void listener::start() {
  asio::post(impl_->registry->strand(), [self = impl_] {
    if (self->started || self->stopped) return;
    self->started = true;
    spdlog::debug("listening on {}", self->bound);
    self->do_accept();
  });
}

void listener::stop_accepting() {
  asio::post(impl_->registry->strand(), [self = impl_] { self->stop(); });
}

void listener::stop_reading() {
  impl_->registry->stop_reading();
}

void listener::close_all(std::uint16_t code, std::string reason, std::function<void()> done) {
  impl_->registry->close_all(code, std::move(reason), std::move(done));
}

const listener_stats& listener::stats() const {
  return impl_->registry->stats();
}

}  // namespace so::net
