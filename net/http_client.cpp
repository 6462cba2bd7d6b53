// net/http_client.cpp — the Beast streaming HTTP/1.1 client (see http_client.hpp).
//
// One `stream_call` per request, templated over the plain and the TLS stream.
// Every step runs on the call's strand: resolve → connect (connect_timeout) →
// TLS handshake (SNI, chain + host name verification) → write → read header →
// async_read_some into a fixed buffer_body until the parser is done, so each
// piece of body reaches `on_body` as soon as it arrives (`http::async_read`
// would buffer the whole body). The socket's own timer bounds connect and each
// body read (idle timeout); a separate timer bounds the whole call. `finish`
// runs once: it closes the socket, and every handler after it is a no-op.
#include "net/http_client.hpp"

#include "net/url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace so::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tcp_proto = asio::ip::tcp;  // the protocol type (a member named tcp() shadows `tcp`)
using strand_t = asio::strand<asio::io_context::executor_type>;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "60s", or "0.25s" for test-sized limits.
std::string seconds_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

template <class Stream>
constexpr bool is_tls_v = std::is_same_v<Stream, tls_stream>;

template <class Stream>
Stream make_stream(const strand_t& strand, ssl::context& ctx) {
  if constexpr (is_tls_v<Stream>) {
    return Stream(strand, ctx);
  } else {
    (void)ctx;
    return Stream(strand);
  }
}

template <class Stream>
class stream_call final : public http_call,
                          public std::enable_shared_from_this<stream_call<Stream>> {
 public:
  stream_call(asio::io_context& io, std::shared_ptr<ssl::context> ctx, parsed_url url,
              http_request request, http_callbacks callbacks)
      : strand_(asio::make_strand(io)),
        ctx_(std::move(ctx)),
        url_(std::move(url)),
        request_(std::move(request)),
        callbacks_(std::move(callbacks)),
        resolver_(strand_),
        stream_(make_stream<Stream>(strand_, *ctx_)),
        total_timer_(strand_) {}

  void start() {
    asio::post(strand_, [self = this->shared_from_this()] { self->do_resolve(); });
  }

  void cancel() override {
    asio::post(strand_, [self = this->shared_from_this()] {
      http_outcome o;
      o.error = "cancelled";
      o.cancelled = true;
      o.before_head = !self->head_received_;
      self->finish(std::move(o));
    });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void do_resolve() {
    if (done_) return;
    total_timer_.expires_after(request_.total_timeout);
    total_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->done_) return;
      self->fail("request timed out after " + seconds_text(self->request_.total_timeout));
    });
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          self->on_resolve(ec, std::move(r));
        });
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (done_) return;
    if (ec) return fail("resolve " + url_.host + ": " + ec.message());
    tcp().expires_after(request_.connect_timeout);
    tcp().async_connect(
        results, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          self->on_connect(ec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (done_) return;
    if (ec == beast::error::timeout) {
      return fail("connect: timed out after " + seconds_text(request_.connect_timeout));
    }
    if (ec) return fail("connect: " + ec.message());
    beast::error_code opt_ec;  // small request, latency-bound: no Nagle delay
    tcp().socket().set_option(tcp_proto::no_delay(true), opt_ec);
    tcp().expires_never();  // the total timer bounds the rest until the body starts
    if constexpr (is_tls_v<Stream>) {
      if (!is_ip_literal(url_.host) &&
          !SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str())) {
        return fail("TLS: cannot set SNI host name");
      }
      stream_.set_verify_callback([this, verify = ssl::host_name_verification(url_.host)](
                                      bool preverified, ssl::verify_context& vctx) mutable {
        const bool ok = verify(preverified, vctx);
        if (preverified && !ok) host_mismatch_ = true;
        return ok;
      });
      stream_.async_handshake(
          ssl::stream_base::client,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      do_write();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      std::string detail = "TLS handshake: " + ec.message();
      if constexpr (is_tls_v<Stream>) {
        if (host_mismatch_) {
          detail += " (host name mismatch for '" + url_.host + "')";
        } else if (const long v = SSL_get_verify_result(stream_.native_handle()); v != X509_V_OK) {
          detail += std::string(" (") + X509_verify_cert_error_string(v) + ")";
        }
      }
      return fail(detail);
    }
    do_write();
  }

  void do_write() {
    const http::verb verb = http::string_to_verb(request_.method);
    if (verb == http::verb::unknown)
      return fail("unsupported HTTP method '" + request_.method + "'");
    req_.method(verb);
    req_.target(url_.target);
    req_.version(11);
    req_.set(http::field::host,
             url_.default_port ? url_.host : url_.host + ":" + std::to_string(url_.port));
    req_.set(http::field::user_agent, "smooth-operator-cpp");
    for (const auto& [name, value] : request_.headers) req_.set(name, value);
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    http::async_write(stream_, req_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (done_) return;
    if (ec) return fail("write: " + ec.message());
    // Streams can be long (default limit: 8 MB). Not boost::none: Beast 1.74
    // compares a Content-Length against an empty optional as "exceeded".
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::async_read_header(stream_, buffer_, parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (done_) return;
    if (ec) return fail("read header: " + ec.message());
    head_received_ = true;
    const auto& msg = parser_.get();
    http_response_head head;
    head.status = static_cast<int>(msg.result_int());
    head.reason = std::string(msg.reason());
    if (head.reason.empty()) head.reason = std::string(http::obsolete_reason(msg.result()));
    for (const auto& field : msg) {
      head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (callbacks_.on_head) callbacks_.on_head(head);
    read_some();
  }

  void read_some() {
    if (done_) return;
    if (parser_.is_done()) return finish({});
    parser_.get().body().data = chunk_.data();
    parser_.get().body().size = chunk_.size();
    tcp().expires_after(request_.idle_timeout);  // idle limit per piece, not per response
    http::async_read_some(stream_, buffer_, parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_read(ec);
                          });
  }

  void on_read(beast::error_code ec) {
    if (done_) return;
    const std::size_t got = chunk_.size() - parser_.get().body().size;
    if (got > 0 && callbacks_.on_body) callbacks_.on_body(std::string_view(chunk_.data(), got));
    if (ec == http::error::need_buffer) ec = {};  // buffer full: not an error
    if constexpr (is_tls_v<Stream>) {
      // Many servers close TLS without close_notify: that is a plain end of stream.
      if (ec == ssl::error::stream_truncated) {
        ec = {};
        if (!parser_.is_done()) parser_.put_eof(ec);
      }
    }
    if (ec == beast::error::timeout) {
      return fail("stream idle timeout: no data for " + seconds_text(request_.idle_timeout));
    }
    if (ec) return fail(ec.message());
    read_some();
  }

  void fail(std::string error) {
    http_outcome o;
    o.error = std::move(error);
    o.before_head = !head_received_;
    finish(std::move(o));
  }

  void finish(http_outcome outcome) {
    if (done_) return;
    done_ = true;
    total_timer_.cancel();
    resolver_.cancel();
    tcp().close();  // no TLS shutdown: the call is one-shot; pending handlers see done_
    http_callbacks cb = std::move(callbacks_);  // drop captured state after the last call
    callbacks_ = {};
    if (cb.on_complete) cb.on_complete(outcome);
  }

  strand_t strand_;
  std::shared_ptr<ssl::context> ctx_;  ///< must outlive stream_
  parsed_url url_;
  http_request request_;
  http_callbacks callbacks_;
  tcp::resolver resolver_;
  Stream stream_;
  asio::steady_timer total_timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, 8192> chunk_{};
  bool head_received_ = false;
  bool host_mismatch_ = false;
  bool done_ = false;
};

// A call that could not even start (bad URL): completes with the error on the I/O thread.
class failed_call final : public http_call {
 public:
  void cancel() override {}
};

class beast_http_client final : public http_client {
 public:
  beast_http_client(asio::io_context& io, std::shared_ptr<ssl::context> ctx)
      : io_(io), ctx_(std::move(ctx)) {}

  std::shared_ptr<http_call> start(http_request request, http_callbacks callbacks) override {
    auto parsed = parse_url(request.url);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      asio::post(io_, [cb = std::move(callbacks.on_complete), e = "invalid URL: " + *error] {
        http_outcome o;
        o.error = e;
        o.before_head = true;
        if (cb) cb(o);
      });
      return std::make_shared<failed_call>();
    }
    auto& url = std::get<parsed_url>(parsed);
    if (url.tls)
      return launch<tls_stream>(std::move(url), std::move(request), std::move(callbacks));
    return launch<beast::tcp_stream>(std::move(url), std::move(request), std::move(callbacks));
  }

 private:
  template <class Stream>
  std::shared_ptr<http_call> launch(parsed_url url, http_request request, http_callbacks cb) {
    auto call = std::make_shared<stream_call<Stream>>(io_, ctx_, std::move(url), std::move(request),
                                                      std::move(cb));
    call->start();
    return call;
  }

  asio::io_context& io_;
  std::shared_ptr<ssl::context> ctx_;
};

}  // namespace

std::optional<std::string> http_response_head::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

http_client_ptr make_http_client(boost::asio::io_context& io, http_client_options options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->set_default_verify_paths();
  if (options.extra_ca_file) ctx->load_verify_file(*options.extra_ca_file);  // throws if unreadable
  return std::make_shared<beast_http_client>(io, std::move(ctx));
}

}  // namespace so::net
