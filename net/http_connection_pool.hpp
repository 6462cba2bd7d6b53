// net/http_connection_pool.hpp — idle keep-alive HTTP/1.1 connections of one HTTP client,
// keyed by scheme+host+port, plus the last resumable TLS session of each host.
//
// Internal to net/http_client.cpp (Beast and OpenSSL inside). A call that read its
// response completely on a connection both sides keep alive `put`s the stream back;
// the next call to the same key `take`s the most recently returned one (LIFO: the
// freshest is the least likely to have been closed by the server).
//
// Bounds (documented in http_client.hpp, `http_client_options`):
//  - at most `max_idle_per_host` idle connections per key; returning one more closes
//    the oldest idle one of that key. 0 disables pooling (every call connects).
//  - an idle connection is closed once it was unused for `idle_expiry`: one timer per
//    pool sweeps, armed only while something is idle.
//  - at most `kMaxHosts` keys; a new key beyond that drops the least recently used
//    key with its idle connections and TLS session.
// `take` also discards a connection the server closed (or wrote to) while it was
// idle, with a non-blocking MSG_PEEK; a close racing with the request is the
// caller's business (http_client.cpp retries once on a fresh connection).
//
// TLS sessions: `store_session` keeps a resumable SSL_SESSION per key; a new TLS
// connection to the key offers it (SSL_set_session) and skips the full handshake
// when the server accepts. Connections are closed without close_notify, so `close`
// marks the SSL as shut down first: otherwise OpenSSL treats the session as broken
// (SSL_free → not resumable) and resumption would never happen.
//
// Lifetime: the pool holds sockets and a timer of its io_context, which must not
// outlive that context; but the pool belongs to a client that callers may keep
// longer (the server destroys the io_context before the services holding the
// gateway provider). So every pool registers with a `pool_registry` service of
// the io_context, which `shutdown()`s it when the context goes away: the pool then
// drops its connections and timer and stays inert.
//
// Thread-safety: none. The pool belongs to one io_context that is run by exactly one
// thread, and every member is called on that thread (the client posts there).
// Destroy it on that thread or after the io_context stopped. The registry is
// thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace so::net {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream>
constexpr bool is_tls_stream_v = std::is_same_v<Stream, tls_stream>;

struct connection_pool_limits {
  std::size_t max_idle_per_host = 256;
  std::chrono::milliseconds idle_expiry{30'000};
};

/// Closes a stream without a TLS close_notify, keeping its TLS session resumable.
template <class Stream>
void close_stream(Stream& stream) {
  if constexpr (is_tls_stream_v<Stream>) {
    SSL_set_shutdown(stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  boost::beast::get_lowest_layer(stream).close();
}

/// What the registry needs of a pool.
class pool_base {
 public:
  virtual ~pool_base() = default;
  /// Closes and drops every connection and the timer; later `put`s just close.
  virtual void shutdown() = 0;
};

/// An io_context service: shuts its registered pools down with the context.
class pool_registry final : public boost::asio::execution_context::service {
 public:
  inline static boost::asio::execution_context::id id;  ///< Asio's service key

  explicit pool_registry(boost::asio::execution_context& ctx) : service(ctx) {}

  void add(std::weak_ptr<pool_base> pool) {
    std::lock_guard lock(mu_);
    std::erase_if(pools_, [](const auto& p) { return p.expired(); });
    pools_.push_back(std::move(pool));
  }

 private:
  void shutdown() override {
    std::vector<std::weak_ptr<pool_base>> pools;
    {
      std::lock_guard lock(mu_);
      pools.swap(pools_);
    }
    for (auto& weak : pools) {
      if (auto pool = weak.lock()) pool->shutdown();
    }
  }

  std::mutex mu_;
  std::vector<std::weak_ptr<pool_base>> pools_;
};

template <class Stream>
class connection_pool final : public pool_base,
                              public std::enable_shared_from_this<connection_pool<Stream>> {
 public:
  /// Distinct scheme+host+port keys remembered (gateway and webhook hosts come from
  /// configuration, so this is a safety bound, not a working set).
  static constexpr std::size_t kMaxHosts = 64;

  using clock = std::chrono::steady_clock;

  /// Made through `create` only: the registry must know every pool.
  static std::shared_ptr<connection_pool> create(boost::asio::io_context& io,
                                                 connection_pool_limits limits) {
    auto pool = std::shared_ptr<connection_pool>(new connection_pool(io, limits));
    boost::asio::use_service<pool_registry>(io).add(pool);
    return pool;
  }

  ~connection_pool() override { shutdown(); }

  void shutdown() override {
    for (auto& [key, host] : hosts_) {
      for (auto& c : host.idle) close_stream(*c.stream);
    }
    hosts_.clear();
    sweep_timer_.reset();
    closed_ = true;
  }

  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  bool enabled() const { return limits_.max_idle_per_host > 0 && !closed_; }

  /// A live idle connection for `key`, or null (the caller then connects).
  std::unique_ptr<Stream> take(const std::string& key) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) return nullptr;
    host_entry& host = it->second;
    host.last_used = clock::now();
    const auto now = clock::now();
    while (!host.idle.empty()) {
      idle_connection c = std::move(host.idle.back());
      host.idle.pop_back();
      if (now - c.since < limits_.idle_expiry && still_open(*c.stream)) return std::move(c.stream);
      close_stream(*c.stream);
    }
    return nullptr;
  }

  /// Keeps a connection whose response was read completely (no pending I/O on it).
  void put(const std::string& key, std::unique_ptr<Stream> stream) {
    if (!enabled()) {
      close_stream(*stream);
      return;
    }
    host_entry& host = entry(key);
    if (host.idle.size() >= limits_.max_idle_per_host) {
      close_stream(*host.idle.front().stream);
      host.idle.pop_front();
    }
    host.idle.push_back({std::move(stream), clock::now()});
    arm_sweep();
  }

  /// The session to offer on a new TLS connection to `key` (owned by the pool), or null.
  SSL_SESSION* session(const std::string& key) const {
    auto it = hosts_.find(key);
    return it == hosts_.end() ? nullptr : it->second.session.get();
  }

  /// Remembers the session of a TLS connection to `key` if it can be resumed.
  void store_session(const std::string& key, SSL* ssl) {
    if (closed_) return;
    SSL_SESSION* s = SSL_get1_session(ssl);
    if (s == nullptr) return;
    if (SSL_SESSION_is_resumable(s) != 1) {
      SSL_SESSION_free(s);
      return;
    }
    entry(key).session.reset(s);
  }

  /// Idle connections held for `key` (tests and diagnostics).
  std::size_t idle_count(const std::string& key) const {
    auto it = hosts_.find(key);
    return it == hosts_.end() ? 0 : it->second.idle.size();
  }

 private:
  struct idle_connection {
    std::unique_ptr<Stream> stream;
    clock::time_point since;
  };
  struct session_free {
    void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
  };
  struct host_entry {
    std::deque<idle_connection> idle;  ///< back = most recently returned
    std::unique_ptr<SSL_SESSION, session_free> session;
    clock::time_point last_used = clock::now();
  };

  // Orderly close (recv 0) or unsolicited bytes (a TLS alert, junk) both make an idle
  // connection unusable; EAGAIN means nothing happened while it was idle.
  static bool still_open(Stream& stream) {
    auto& socket = boost::beast::get_lowest_layer(stream).socket();
    if (!socket.is_open()) return false;
    char byte;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  host_entry& entry(const std::string& key) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) {
      if (hosts_.size() >= kMaxHosts) evict_least_recent();
      it = hosts_.emplace(key, host_entry{}).first;
    }
    it->second.last_used = clock::now();
    return it->second;
  }

  void evict_least_recent() {
    auto oldest = hosts_.begin();
    for (auto it = hosts_.begin(); it != hosts_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    for (auto& c : oldest->second.idle) close_stream(*c.stream);
    hosts_.erase(oldest);
  }

  void arm_sweep() {
    if (!sweep_armed_) wait_sweep(clock::now() + limits_.idle_expiry);
  }

  void wait_sweep(clock::time_point when) {
    sweep_armed_ = true;
    sweep_timer_->expires_at(when);
    sweep_timer_->async_wait([weak = this->weak_from_this()](boost::beast::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->sweep();
    });
  }

  // Closes every connection idle for `idle_expiry` or longer; re-arms for the rest.
  void sweep() {
    sweep_armed_ = false;
    const auto now = clock::now();
    auto next = clock::time_point::max();
    for (auto& [key, host] : hosts_) {
      while (!host.idle.empty() && now - host.idle.front().since >= limits_.idle_expiry) {
        close_stream(*host.idle.front().stream);
        host.idle.pop_front();
      }
      if (!host.idle.empty() && host.idle.front().since < next) next = host.idle.front().since;
    }
    if (next != clock::time_point::max()) wait_sweep(next + limits_.idle_expiry);
  }

  connection_pool(boost::asio::io_context& io, connection_pool_limits limits)
      : limits_(limits), sweep_timer_(std::in_place, io) {}

  connection_pool_limits limits_;
  std::optional<boost::asio::steady_timer> sweep_timer_;  ///< reset by shutdown()
  bool sweep_armed_ = false;
  bool closed_ = false;
  std::unordered_map<std::string, host_entry> hosts_;
};

}  // namespace so::net
