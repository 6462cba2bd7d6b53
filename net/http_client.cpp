// net/http_client.cpp — the Beast streaming HTTP/1.1 client (see http_client.hpp).
//
// One `stream_call` per request, templated over the plain and the TLS stream.
// Every step runs on the client's io thread: take a pooled connection, or
// resolve (skipped for an IP literal) → connect (connect_timeout) → TLS handshake
// (SNI, chain + host name verification, resumption of the host's session) → write
// → read header → async_read_some into a fixed buffer_body until the parser is
// done, so each piece of body reaches `on_body` as soon as it arrives
// (`http::async_read` would buffer the whole body). The socket's own timer bounds
// connect and each body read (idle timeout); a separate timer bounds the whole
// call. `complete` hands a cleanly finished keep-alive connection back to the
// pool; `finish` runs once: it closes any connection still held, and every
// handler after it is a no-op.
#include "net/http_client.hpp"

#include "net/http_connection_pool.hpp"
#include "net/url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
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
constexpr bool is_tls_v = is_tls_stream_v<Stream>;

/// What every call of one client shares: the TLS context and the two pools.
struct client_core {
  client_core(asio::io_context& io_ctx, std::shared_ptr<ssl::context> tls_ctx,
              connection_pool_limits limits)
      : io(io_ctx),
        ctx(std::move(tls_ctx)),
        plain(connection_pool<beast::tcp_stream>::create(io_ctx, limits)),
        tls(connection_pool<tls_stream>::create(io_ctx, limits)) {}

  template <class Stream>
  const std::shared_ptr<connection_pool<Stream>>& pool() const {
    if constexpr (is_tls_v<Stream>) {
      return tls;
    } else {
      return plain;
    }
  }

  asio::io_context& io;
  std::shared_ptr<ssl::context> ctx;  ///< must outlive every TLS stream
  std::shared_ptr<connection_pool<beast::tcp_stream>> plain;
  std::shared_ptr<connection_pool<tls_stream>> tls;
};

template <class Stream>
std::unique_ptr<Stream> make_stream(client_core& core) {
  if constexpr (is_tls_v<Stream>) {
    return std::make_unique<Stream>(core.io, *core.ctx);
  } else {
    return std::make_unique<Stream>(core.io);
  }
}

template <class Stream>
class stream_call final : public http_call,
                          public std::enable_shared_from_this<stream_call<Stream>> {
 public:
  stream_call(std::shared_ptr<client_core> core, parsed_url url, http_request request,
              http_callbacks callbacks)
      : core_(std::move(core)),
        pool_(core_->pool<Stream>()),
        url_(std::move(url)),
        key_(std::string(is_tls_v<Stream> ? "https://" : "http://") + url_.host + ":" +
             std::to_string(url_.port) +
             (request.connect_address ? "@" + *request.connect_address : std::string())),
        request_(std::move(request)),
        callbacks_(std::move(callbacks)),
        resolver_(core_->io),
        total_timer_(core_->io) {}

  void start() {
    asio::post(core_->io, [self = this->shared_from_this()] { self->begin(); });
  }

  void cancel() override {
    asio::post(core_->io, [self = this->shared_from_this()] {
      http_outcome o;
      o.error = "cancelled";
      o.cancelled = true;
      o.before_head = !self->head_received_;
      self->finish(std::move(o));
    });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(*stream_); }

  void begin() {
    if (done_) return;
    total_timer_.expires_after(request_.total_timeout);
    total_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->done_) return;
      self->fail("request timed out after " + seconds_text(self->request_.total_timeout));
    });
    if (!build_request()) return;
    if (auto pooled = pool_->take(key_)) {
      stream_ = std::move(pooled);
      reused_ = true;
      return do_write();
    }
    connect_fresh();
  }

  // A new TCP (and TLS) connection. A literal IP skips the resolver, whose
  // getaddrinfo runs on a thread of its own.
  void connect_fresh() {
    reused_ = false;
    stream_ = make_stream<Stream>(*core_);
    beast::error_code not_literal;
    const auto address =
        asio::ip::make_address(request_.connect_address.value_or(url_.host), not_literal);
    if (!not_literal) {
      tcp().expires_after(request_.connect_timeout);
      tcp().async_connect(
          tcp::endpoint(address, url_.port),
          [self = this->shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
      return;
    }
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
      SSL* ssl = stream_->native_handle();
      if (!is_ip_literal(url_.host) && !SSL_set_tlsext_host_name(ssl, url_.host.c_str())) {
        return fail("TLS: cannot set SNI host name");
      }
      // Offer the host's last session: an accepted resumption skips the certificate
      // exchange and its verification (the session was verified for this host).
      if (SSL_SESSION* session = pool_->session(key_)) SSL_set_session(ssl, session);
      stream_->set_verify_callback([this, verify = ssl::host_name_verification(url_.host)](
                                       bool preverified, ssl::verify_context& vctx) mutable {
        const bool ok = verify(preverified, vctx);
        if (preverified && !ok) host_mismatch_ = true;
        return ok;
      });
      stream_->async_handshake(
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
        } else if (const long v = SSL_get_verify_result(stream_->native_handle()); v != X509_V_OK) {
          detail += std::string(" (") + X509_verify_cert_error_string(v) + ")";
        }
      }
      return fail(detail);
    }
    handshake_done_ = true;
    do_write();
  }

  // Built once: a retry on a fresh connection sends the same message again.
  bool build_request() {
    const http::verb verb = http::string_to_verb(request_.method);
    if (verb == http::verb::unknown) {
      fail("unsupported HTTP method '" + request_.method + "'");
      return false;
    }
    req_.method(verb);
    req_.target(url_.target);
    req_.version(11);
    req_.set(http::field::host,
             url_.default_port ? url_.host : url_.host + ":" + std::to_string(url_.port));
    req_.set(http::field::user_agent, "smooth-operator-cpp");
    for (const auto& [name, value] : request_.headers) req_.set(name, value);
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    return true;
  }

  void do_write() {
    http::async_write(*stream_, req_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      if (reused_) return retry_fresh();
      return fail("write: " + ec.message());
    }
    parser_.emplace();
    // Streams can be long (default limit: 8 MB). Not boost::none: Beast 1.74
    // compares a Content-Length against an empty optional as "exceeded".
    parser_->body_limit(
        request_.max_body_bytes.value_or(std::numeric_limits<std::uint64_t>::max()));
    // Room for the head and what follows it in one read: a streamed answer's first
    // events usually arrive with the head (512 bytes, the default, split them off).
    if (buffer_.capacity() < kBodyReadBytes) buffer_.reserve(kBodyReadBytes);
    http::async_read_header(*stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      // Not one byte of an answer on a pooled connection: the server closed it while
      // it was idle (a keep-alive race), not a failure of this request.
      if (reused_ && buffer_.size() == 0 && !parser_->got_some()) return retry_fresh();
      if (ec == http::error::body_limit) return fail_body_limit();
      return fail("read header: " + ec.message());
    }
    head_received_ = true;
    const auto& msg = parser_->get();
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

  // At most once per call: the stale pooled connection is closed (kept alive until
  // the call ends, as handlers of it may still be unwinding) and a new one is made.
  void retry_fresh() {
    close_stream(*stream_);
    retired_ = std::move(stream_);
    buffer_.clear();
    connect_fresh();
  }

  void read_some() {
    if (done_) return;
    if (parser_->is_done()) return complete();
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    // A flat_buffer reads at most its capacity (512 bytes at first), so a 10 KB burst
    // took ~20 reads and 20 trips through the parser; the buffer got room before the head.
    tcp().expires_after(request_.idle_timeout);  // idle limit per piece, not per response
    http::async_read_some(*stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_read(ec);
                          });
  }

  void on_read(beast::error_code ec) {
    if (done_) return;
    if (!ec || ec == http::error::need_buffer) ec = parse_buffered();
    const std::size_t got = chunk_.size() - parser_->get().body().size;
    if (got > 0 && callbacks_.on_body) callbacks_.on_body(std::string_view(chunk_.data(), got));
    if (done_) return;                            // the body callback cancelled the call
    if (ec == http::error::need_buffer) ec = {};  // buffer full: not an error
    if constexpr (is_tls_v<Stream>) {
      // Many servers close TLS without close_notify: that is a plain end of stream.
      if (ec == ssl::error::stream_truncated) {
        ec = {};
        if (!parser_->is_done()) parser_->put_eof(ec);
      }
    }
    if (ec == beast::error::timeout) {
      return fail("stream idle timeout: no data for " + seconds_text(request_.idle_timeout));
    }
    if (ec == http::error::body_limit) return fail_body_limit();
    if (ec) return fail(ec.message());
    read_some();
  }

  // One async_read_some parses one HTTP chunk, and a gateway sends each SSE event as a
  // chunk: a burst of 50 tokens would take 50 trips through the io queue. So parse on
  // through what is already buffered (no I/O), into the rest of `chunk_`, and hand it
  // all out in one on_body. Stops where the next step would need more bytes — never
  // waits for them (Beast's `eager` mode would, holding back what it already parsed).
  beast::error_code parse_buffered() {
    auto& body = parser_->get().body();
    while (!parser_->is_done() && buffer_.size() > 0 && body.size > 0) {
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more || ec == http::error::need_buffer) return {};
      if (ec) return ec;
      if (used == 0) return {};
    }
    return {};
  }

  // A head announcing too long a body fails in the header phase, yet the server did
  // answer: not a send failure, never retried.
  void fail_body_limit() {
    http_outcome o;
    o.error =
        "response body exceeds the limit of " + std::to_string(*request_.max_body_bytes) + " bytes";
    o.body_too_large = true;
    finish(std::move(o));
  }

  // The whole response was read: the connection goes back to the pool when both
  // sides keep it alive and nothing beyond the response arrived.
  void complete() {
    if (done_) return;
    if (pool_->enabled() && parser_->keep_alive() && req_.keep_alive() && buffer_.size() == 0) {
      remember_session();
      tcp().expires_never();
      pool_->put(key_, std::move(stream_));
    }
    finish({});
  }

  void remember_session() {
    if constexpr (is_tls_v<Stream>) {
      if (handshake_done_ && head_received_ && stream_) {
        pool_->store_session(key_, stream_->native_handle());
      }
    }
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
    if (stream_) {
      remember_session();
      // A failed or cancelled call never gives its connection back: its response
      // may be half read. Pending handlers see done_; the stream object stays
      // alive with the call until they ran.
      close_stream(*stream_);
    }
    http_callbacks cb = std::move(callbacks_);  // drop captured state after the last call
    callbacks_ = {};
    if (cb.on_complete) cb.on_complete(outcome);
  }

  std::shared_ptr<client_core> core_;
  std::shared_ptr<connection_pool<Stream>> pool_;
  parsed_url url_;
  std::string key_;  ///< pool key: scheme://host:port[@pinned address]
  http_request request_;
  http_callbacks callbacks_;
  tcp::resolver resolver_;
  std::unique_ptr<Stream> stream_;   ///< null once handed back to the pool
  std::unique_ptr<Stream> retired_;  ///< the stale pooled connection a retry replaced
  asio::steady_timer total_timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  static constexpr std::size_t kBodyReadBytes = 16 * 1024;
  // As large as one read: the body of a read then reaches on_body whole. At 8 KiB a
  // 50-token burst (9.6 KB) was cut in two on_body calls, two handlers apart, so its
  // turn wrote its tokens in two sends.
  std::array<char, kBodyReadBytes> chunk_{};
  bool reused_ = false;
  bool head_received_ = false;
  bool handshake_done_ = false;
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
  explicit beast_http_client(std::shared_ptr<client_core> core) : core_(std::move(core)) {}

  std::shared_ptr<http_call> start(http_request request, http_callbacks callbacks) override {
    auto parsed = parse_url(request.url);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      asio::post(core_->io, [cb = std::move(callbacks.on_complete), e = "invalid URL: " + *error] {
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
    auto call = std::make_shared<stream_call<Stream>>(core_, std::move(url), std::move(request),
                                                      std::move(cb));
    call->start();
    return call;
  }

  std::shared_ptr<client_core> core_;
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
  // Client-side session caching makes OpenSSL keep TLS 1.3 tickets on the SSL, where
  // the pool picks them up; no internal store: the pool holds one session per host.
  SSL_CTX_set_session_cache_mode(ctx->native_handle(),
                                 SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  // Idle pooled TLS connections give their read/write buffers back.
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  connection_pool_limits limits;
  limits.max_idle_per_host = options.max_idle_per_host;
  limits.idle_expiry = options.idle_expiry;
  return std::make_shared<beast_http_client>(
      std::make_shared<client_core>(io, std::move(ctx), limits));
}

}  // namespace so::net
