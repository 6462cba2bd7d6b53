// tests/support/net/http_test_server.cpp — see http_test_server.hpp.
#include "tests/support/net/http_test_server.hpp"

#include "tests/support/net/sync_io.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

namespace so::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::string> http_test_request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

struct http_test_server::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::uint16_t port = 0;  ///< cached: the acceptor belongs to the I/O thread once it runs
  http_test_handler handler;
  mutable std::mutex mutex;
  std::vector<http_test_request> requests;
  std::size_t connections = 0;
  std::thread thread;

  /// One connection: read a request, answer it, repeat while keep-alive.
  struct connection : std::enable_shared_from_this<connection> {
    impl& owner;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    asio::steady_timer timer;

    connection(impl& o, tcp::socket s)
        : owner(o), stream(std::move(s)), timer(stream.get_executor()) {}

    void read() {
      req = {};
      http::async_read(stream, buffer, req,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (!ec) self->handle();
                       });
    }

    void handle() {
      http_test_request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) r.headers.emplace_back(f.name_string(), f.value());
      r.body = req.body();
      {
        std::lock_guard lock(owner.mutex);
        owner.requests.push_back(r);
      }
      const http_test_response answer = owner.handler(r);
      res = {};
      res.version(req.version());
      res.result(static_cast<http::status>(answer.status));
      res.set(http::field::content_type, answer.content_type);
      for (const auto& [name, value] : answer.headers) res.set(name, value);
      res.keep_alive(req.keep_alive());
      res.body() = answer.body;
      res.prepare_payload();
      timer.expires_after(answer.delay);
      timer.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->write();
      });
    }

    void write() {
      http::async_write(stream, res,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return;
                          if (self->res.keep_alive()) {
                            self->read();
                          } else {
                            beast::error_code ignored;
                            self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          }
                        });
    }
  };

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // acceptor closed: the server is stopping
      {
        std::lock_guard lock(mutex);
        ++connections;
      }
      std::make_shared<connection>(*this, std::move(socket))->read();
      accept();
    });
  }
};

http_test_server::http_test_server(http_test_handler handler) : impl_(std::make_unique<impl>()) {
  impl_->handler = std::move(handler);
  impl_->port = listen_on_loopback(impl_->acceptor);
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

http_test_server::~http_test_server() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t http_test_server::port() const {
  return impl_->port;
}

std::string http_test_server::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::vector<http_test_request> http_test_server::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t http_test_server::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

}  // namespace so::test
