// Tests for the streaming HTTP client (net/http_client.hpp) against a hand-driven
// TCP peer and the fake gateway (plain and TLS).
#include "net/http_client.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/raw_tcp_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdio>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

using namespace so;
using namespace std::chrono_literals;

namespace {

// Records one call's callbacks; the test thread waits on its conditions.
class recorder {
 public:
  net::http_callbacks callbacks() {
    net::http_callbacks cb;
    cb.on_head = [this](const net::http_response_head& h) {
      std::lock_guard lock(mu_);
      head_ = h;
      cv_.notify_all();
    };
    cb.on_body = [this](std::string_view chunk) {
      std::lock_guard lock(mu_);
      body_.append(chunk);
      ++pieces_;
      cv_.notify_all();
    };
    cb.on_complete = [this](const net::http_outcome& o) {
      std::lock_guard lock(mu_);
      outcomes_.push_back(o);
      cv_.notify_all();
    };
    return cb;
  }

  bool wait_body(std::string_view text, std::chrono::milliseconds t = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, t, [&] { return body_.find(text) != std::string::npos; });
  }
  bool wait_head(std::chrono::milliseconds t = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, t, [&] { return head_.has_value(); });
  }
  net::http_outcome wait_complete(std::chrono::milliseconds t = 10s) {
    std::unique_lock lock(mu_);
    REQUIRE(cv_.wait_for(lock, t, [&] { return !outcomes_.empty(); }));
    return outcomes_.front();
  }
  std::string body() {
    std::lock_guard lock(mu_);
    return body_;
  }
  std::optional<net::http_response_head> head() {
    std::lock_guard lock(mu_);
    return head_;
  }
  std::size_t completions() {
    std::lock_guard lock(mu_);
    return outcomes_.size();
  }
  /// How many on_body calls delivered the body so far.
  std::size_t pieces() {
    std::lock_guard lock(mu_);
    return pieces_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<net::http_response_head> head_;
  std::string body_;
  std::size_t pieces_ = 0;
  std::vector<net::http_outcome> outcomes_;
};

net::http_request post(std::string url) {
  net::http_request r;
  r.url = std::move(url);
  r.headers = {{"Content-Type", "application/json"}, {"X-Test", "yes"}};
  r.body = R"({"hello":"world"})";
  return r;
}

adapters::llm::script_entry text_entry(std::string text) {
  adapters::llm::script_entry e;
  e.text = std::move(text);
  return e;
}

// One call against the hand-driven TCP peer; members in the order a test needs them
// torn down (call, recorder, peer, I/O thread).
struct raw_exchange {
  test::background_io io;
  test::raw_tcp_server server;
  recorder rec;
  std::shared_ptr<net::http_call> call;

  /// Starts `req` (default: a POST to the peer) and waits until the peer has read it.
  void start(std::optional<net::http_request> req = std::nullopt) {
    call = io.http()->start(req ? std::move(*req) : post(server.url()), rec.callbacks());
    REQUIRE(server.accept_request());
  }
  /// A second call completed proves the I/O thread handled everything queued before.
  void flush_io() {
    recorder probe;
    auto second = io.http()->start(post(server.url()), probe.callbacks());
    REQUIRE(server.accept_request());
    server.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    probe.wait_complete();
  }
};

}  // namespace

TEST_CASE("http: request line, Host, headers and body reach the server", "[http]") {
  test::background_io io;
  test::raw_tcp_server server;
  recorder rec;
  auto call = io.http()->start(post(server.url("/v1/chat?x=1")), rec.callbacks());
  const auto req = server.accept_request();
  REQUIRE(req);
  CHECK(req->rfind("POST /v1/chat?x=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(req->find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") !=
        std::string::npos);
  CHECK(req->find("X-Test: yes\r\n") != std::string::npos);
  CHECK(req->find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(req->find("Content-Length: 17\r\n") != std::string::npos);
  CHECK(req->substr(req->size() - 17) == R"({"hello":"world"})");
  server.send("HTTP/1.1 204 No Content\r\n\r\n");
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  REQUIRE(rec.head());
  CHECK(rec.head()->status == 204);
}

TEST_CASE_METHOD(raw_exchange, "http: chunked body streams incrementally", "[http]") {
  start(post(server.url("/sse")));
  REQUIRE(
      server.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"
                  "d\r\ndata: first\n\n\r\n"));
  // The handshake: the first chunk is observed while the server still holds the rest.
  REQUIRE(rec.wait_body("data: first\n\n"));
  CHECK(rec.completions() == 0);
  REQUIRE(rec.head());
  CHECK(rec.head()->status == 200);
  CHECK(rec.head()->reason == "OK");
  CHECK(rec.head()->header("content-type") == "text/event-stream");
  REQUIRE(server.send("e\r\ndata: second\n\n\r\n0\r\n\r\n"));
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  CHECK_FALSE(o.cancelled);
  CHECK(rec.body() == "data: first\n\ndata: second\n\n");
}

TEST_CASE_METHOD(raw_exchange,
                 "http: a burst of chunks is handed out whole, in one piece, before the body ends",
                 "[http]") {
  start(post(server.url("/sse")));
  // 50 events, each its own HTTP chunk, in one write (a gateway's burst); the last chunk
  // header is cut in two, and the body's end is held back.
  std::string burst =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    const std::string event = "data: token " + std::to_string(100 + i) + "\n\n";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", event.size());
    burst += std::string(size) + "\r\n" + event + "\r\n";
    expected += event;
  }
  burst += "1";  // half of the next chunk header
  REQUIRE(server.send(burst));
  // Everything parsed so far arrives without waiting for the rest of that header...
  REQUIRE(rec.wait_body("data: token 149\n\n"));
  CHECK(rec.body() == expected);
  CHECK(rec.completions() == 0);
  // ...in far fewer callbacks than chunks (one, unless the read split the burst).
  CHECK(rec.pieces() <= 5);
  REQUIRE(server.send("1\r\ndata: late event\n\r\n0\r\n\r\n"));  // "1" + "1": 17 bytes
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  CHECK(rec.body() == expected + "data: late event\n");
}

TEST_CASE_METHOD(raw_exchange, "http: content-length body streams and completes without a close",
                 "[http]") {
  start();
  REQUIRE(server.send("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello"));
  REQUIRE(rec.wait_body("hello"));
  CHECK(rec.completions() == 0);
  REQUIRE(server.send(" world"));
  const auto o = rec.wait_complete();  // the server keeps the socket open
  CHECK_FALSE(o.error);
  CHECK(rec.body() == "hello world");
}

TEST_CASE_METHOD(raw_exchange, "http: close-delimited body ends at EOF", "[http]") {
  start();
  REQUIRE(server.send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"));
  REQUIRE(rec.wait_body("abc"));
  CHECK(rec.completions() == 0);
  REQUIRE(server.send("def"));
  REQUIRE(rec.wait_body("abcdef"));
  server.close_client();
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  CHECK(rec.body() == "abcdef");
}

TEST_CASE_METHOD(raw_exchange, "http: a body cut short is a read error after the head", "[http]") {
  start();
  REQUIRE(server.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"));
  REQUIRE(rec.wait_body("only this"));
  server.close_client();
  const auto o = rec.wait_complete();
  REQUIRE(o.error);
  CHECK_FALSE(o.before_head);
  CHECK_FALSE(o.cancelled);
}

TEST_CASE_METHOD(raw_exchange, "http: an empty reason phrase falls back to the standard one",
                 "[http]") {
  start();
  REQUIRE(server.send("HTTP/1.1 503 \r\nContent-Length: 2\r\nRetry-After: 1.5\r\n\r\nno"));
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  REQUIRE(rec.head());
  CHECK(rec.head()->status == 503);
  CHECK(rec.head()->reason == "Service Unavailable");
  CHECK(rec.head()->header("retry-after") == "1.5");
  CHECK(rec.body() == "no");
}

TEST_CASE("http: connection refused fails before the head", "[http]") {
  std::uint16_t port = 0;
  { port = test::raw_tcp_server().port(); }  // closed again: nothing listens there now
  test::background_io io;
  recorder rec;
  auto call =
      io.http()->start(post("http://127.0.0.1:" + std::to_string(port) + "/"), rec.callbacks());
  const auto o = rec.wait_complete();
  REQUIRE(o.error);
  CHECK(o.before_head);
  CHECK_THAT(*o.error, Catch::Contains("connect") && Catch::Contains("refused"));
  CHECK_FALSE(rec.head());
}

TEST_CASE_METHOD(raw_exchange, "http: a silent body trips the idle timeout", "[http]") {
  auto req = post(server.url());
  req.idle_timeout = 200ms;
  start(std::move(req));
  REQUIRE(server.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
  const auto o = rec.wait_complete();
  REQUIRE(o.error);
  CHECK(*o.error == "stream idle timeout: no data for 0.2s");
  CHECK_FALSE(o.before_head);
  CHECK(rec.body() == "abc");
}

TEST_CASE_METHOD(raw_exchange, "http: the total timeout bounds a server that never answers",
                 "[http]") {
  auto req = post(server.url());
  req.total_timeout = 300ms;
  start(std::move(req));
  const auto o = rec.wait_complete();
  REQUIRE(o.error);
  CHECK(o.before_head);
  CHECK_THAT(*o.error, Catch::Contains("timed out"));
}

TEST_CASE_METHOD(raw_exchange, "http: cancel mid-stream completes once with cancelled", "[http]") {
  start();
  REQUIRE(server.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
  REQUIRE(rec.wait_body("abc"));
  call->cancel();
  const auto o = rec.wait_complete();
  CHECK(o.cancelled);
  CHECK_FALSE(o.before_head);
  call->cancel();  // idempotent
  server.send("3\r\ndef\r\n0\r\n\r\n");
  flush_io();  // the cancelled call must not have completed again
  CHECK(rec.completions() == 1);
  CHECK(rec.body() == "abc");
}

TEST_CASE_METHOD(raw_exchange, "http: cancel after completion changes nothing", "[http]") {
  start();
  server.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  call->cancel();
  flush_io();
  CHECK(rec.completions() == 1);
}

TEST_CASE("http: a bad URL completes with an error, never throws", "[http]") {
  test::background_io io;
  for (const char* url : {"ftp://example.com/", "http://", "http://host:99999/", "not a url"}) {
    INFO(url);
    recorder rec;
    auto r = post(url);
    std::shared_ptr<net::http_call> call;
    REQUIRE_NOTHROW(call = io.http()->start(std::move(r), rec.callbacks()));
    const auto o = rec.wait_complete();
    REQUIRE(o.error);
    CHECK(o.before_head);
    CHECK_THAT(*o.error, Catch::Contains("invalid URL"));
  }
}

TEST_CASE("http: streams SSE from the fake gateway", "[http]") {
  test::fake_gateway_options opts;
  opts.hold_last = true;
  test::fake_gateway gw({text_entry("Hello from the engine!")}, opts);
  test::background_io io;
  recorder rec;
  auto call = io.http()->start(post(gw.base_url() + "/chat/completions"), rec.callbacks());
  // Every content chunk arrives while the gateway still holds [DONE].
  REQUIRE(rec.wait_body("ngine!"));
  CHECK(rec.completions() == 0);
  CHECK(rec.body().find("[DONE]") == std::string::npos);
  gw.release();
  const auto o = rec.wait_complete();
  CHECK_FALSE(o.error);
  CHECK(rec.body().find("data: [DONE]") != std::string::npos);
  REQUIRE(gw.requests().size() == 1);
  CHECK(gw.requests()[0].body == R"({"hello":"world"})");
}

TEST_CASE("http: TLS to the fake gateway", "[http][tls]") {
  test::fake_gateway_options opts;
  opts.tls = true;
  test::fake_gateway gw({text_entry("secure"), text_entry("unused")}, opts);
  REQUIRE(gw.base_url().rfind("https://localhost:", 0) == 0);

  SECTION("trusted via extra_ca_file: streams") {
    test::background_io io({gw.ca_file()});
    recorder rec;
    auto call = io.http()->start(post(gw.base_url() + "/chat/completions"), rec.callbacks());
    const auto o = rec.wait_complete();
    CHECK_FALSE(o.error);
    CHECK(rec.body().find(R"("content":"se")") != std::string::npos);  // "secure" in 3 pieces
    CHECK(rec.body().find("data: [DONE]") != std::string::npos);
  }
  SECTION("without the CA: certificate verify failure") {
    test::background_io io;
    recorder rec;
    auto call = io.http()->start(post(gw.base_url() + "/chat/completions"), rec.callbacks());
    const auto o = rec.wait_complete();
    REQUIRE(o.error);
    CHECK(o.before_head);
    CHECK_THAT(*o.error, Catch::Contains("certificate verify failed"));
  }
  SECTION("as 127.0.0.1: host name verification failure") {
    test::background_io io({gw.ca_file()});
    recorder rec;
    const std::string url =
        "https://127.0.0.1:" + std::to_string(gw.port()) + "/v1/chat/completions";
    auto call = io.http()->start(post(url), rec.callbacks());
    const auto o = rec.wait_complete();
    REQUIRE(o.error);
    CHECK(o.before_head);
    CHECK_THAT(*o.error, Catch::Contains("host name mismatch"));
  }
}

// ---- keep-alive pool --------------------------------------------------------------

namespace {

constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// Runs one call to completion against the raw peer; `serve` plays the server side.
template <class Serve>
net::http_outcome exchange(test::background_io& io, test::raw_tcp_server& server, Serve&& serve,
                           recorder& rec) {
  auto call = io.http()->start(post(server.url()), rec.callbacks());
  serve();
  return rec.wait_complete();
}

/// One call on a new connection, which the peer accepts and answers with `answer`.
net::http_outcome exchange_on_new_connection(test::background_io& io, test::raw_tcp_server& server,
                                             recorder& rec, std::string_view answer = kOk) {
  return exchange(
      io, server,
      [&] {
        REQUIRE(server.accept_request());
        server.send(answer);
      },
      rec);
}

/// A raw peer and a client whose first call has completed on a new connection, which
/// now sits idle in the pool; torn down recorder, peer, then I/O thread.
struct one_call_done {
  test::background_io io;
  test::raw_tcp_server server;
  recorder first;
  net::http_outcome first_outcome = exchange_on_new_connection(io, server, first);
};

}  // namespace

TEST_CASE_METHOD(one_call_done,
                 "http pool: two sequential calls to one host use one TCP connection",
                 "[http][pool]") {
  CHECK_FALSE(first_outcome.error);
  recorder second;
  const auto o = exchange(
      io, server,
      [&] {
        REQUIRE(server.read_request());  // on the same connection
        server.send(kOk);
      },
      second);
  CHECK_FALSE(o.error);
  CHECK(second.body() == "ok");
  CHECK(server.accepted() == 1);
}

TEST_CASE_METHOD(one_call_done, "http pool: a connection the server closed while idle is replaced",
                 "[http][pool]") {
  server.close_client();  // the server drops the idle connection
  recorder second;
  const auto o = exchange_on_new_connection(io, server, second);
  CHECK_FALSE(o.error);
  CHECK(second.body() == "ok");
  CHECK(server.accepted() == 2);
}

TEST_CASE_METHOD(
    one_call_done,
    "http pool: a reused connection closed before any answer is retried once, invisibly",
    "[http][pool]") {
  recorder second;
  const auto o = exchange(
      io, server,
      [&] {
        // The request went out on the pooled connection; the server closes it
        // unanswered (a keep-alive race) and then gets the same request anew.
        const auto stale = server.read_request();
        REQUIRE(stale);
        server.close_client();
        const auto fresh = server.accept_request();
        REQUIRE(fresh);
        CHECK(*fresh == *stale);
        server.send(kOk);
      },
      second);
  CHECK_FALSE(o.error);
  CHECK(second.body() == "ok");
  CHECK(second.completions() == 1);
  CHECK(server.accepted() == 2);
}

TEST_CASE_METHOD(one_call_done,
                 "http pool: a reused connection failing after part of an answer is not retried",
                 "[http][pool]") {
  recorder second;
  const auto o = exchange(
      io, server,
      [&] {
        REQUIRE(server.read_request());
        server.send("HTTP/1.1 200 O");  // half a status line, then gone
        server.close_client();
      },
      second);
  REQUIRE(o.error);
  CHECK_THAT(*o.error, Catch::StartsWith("read header: "));
  CHECK(server.accepted() == 1);
}

TEST_CASE_METHOD(raw_exchange, "http pool: a cancelled call's connection is not reused",
                 "[http][pool]") {
  start();
  REQUIRE(server.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
  REQUIRE(rec.wait_body("abc"));
  call->cancel();
  CHECK(rec.wait_complete().cancelled);
  CHECK(server.wait_client_closed());  // the client closed it instead of pooling it
  recorder next;
  auto second = io.http()->start(post(server.url()), next.callbacks());
  REQUIRE(server.accept_request());
  server.send(kOk);
  CHECK_FALSE(next.wait_complete().error);
  CHECK(server.accepted() == 2);
}

TEST_CASE("http pool: Connection: close and a close-delimited body are never reused",
          "[http][pool]") {
  test::background_io io;
  test::raw_tcp_server server;
  const std::string answer =
      GENERATE(std::string("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
               std::string("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  INFO(answer);
  recorder first;
  exchange_on_new_connection(io, server, first, answer);
  CHECK(server.wait_client_closed());
  recorder second;
  const auto o = exchange_on_new_connection(io, server, second);
  CHECK_FALSE(o.error);
  CHECK(server.accepted() == 2);
}

TEST_CASE("http pool: an idle connection is closed after idle_expiry", "[http][pool]") {
  net::http_client_options opts;
  opts.idle_expiry = 100ms;
  test::background_io io(opts);
  test::raw_tcp_server server;
  recorder first;
  exchange_on_new_connection(io, server, first);
  CHECK(server.wait_client_closed(5s));  // the pool's sweep closed it
}

TEST_CASE("http pool: max_idle_per_host bounds the idle connections of a host", "[http][pool]") {
  const std::size_t limit = GENERATE(0u, 1u, 8u);
  INFO("max_idle_per_host " << limit);
  net::http_client_options opts;
  opts.max_idle_per_host = limit;
  // Each stream holds its end until released, so both calls of a round are in
  // flight at once and need a connection each.
  test::fake_gateway_options gopts;
  gopts.hold_last = true;
  test::fake_gateway gw({}, gopts);
  test::background_io io(opts);
  const auto round = [&](std::size_t requests_before) {
    recorder a, b;
    auto ca = io.http()->start(post(gw.base_url() + "/chat/completions"), a.callbacks());
    auto cb = io.http()->start(post(gw.base_url() + "/chat/completions"), b.callbacks());
    REQUIRE(a.wait_body("finish_reason"));
    REQUIRE(b.wait_body("finish_reason"));
    REQUIRE(gw.requests().size() == requests_before + 2);
    gw.release();
    gw.release();
    CHECK_FALSE(a.wait_complete().error);
    CHECK_FALSE(b.wait_complete().error);
  };
  round(0);
  round(2);
  // Round two reuses what the pool kept of round one: none, one or both connections.
  CHECK(gw.connections() == 4 - std::min<std::size_t>(limit, 2));
}

TEST_CASE_METHOD(raw_exchange, "http: a body over max_body_bytes fails the call", "[http]") {
  auto req = post(server.url());
  req.max_body_bytes = 10;
  SECTION("announced by Content-Length") {
    start(std::move(req));
    server.send("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world");
  }
  SECTION("chunked, found while reading") {
    start(std::move(req));
    server.send(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello "
        "\r\n6\r\nworld!\r\n0\r\n\r\n");
  }
  const auto o = rec.wait_complete();
  REQUIRE(o.error);
  CHECK(o.body_too_large);
  CHECK_FALSE(o.before_head);
  CHECK(*o.error == "response body exceeds the limit of 10 bytes");
  CHECK(rec.body().size() <= 10);
}

TEST_CASE("http pool: TLS calls reuse the connection, new connections resume the session",
          "[http][pool][tls]") {
  test::fake_gateway_options opts;
  opts.tls = true;
  SECTION("keep-alive: two calls, one connection, one handshake") {
    test::fake_gateway gw({text_entry("one"), text_entry("two")}, opts);
    test::background_io io({gw.ca_file()});
    for (int i = 0; i < 2; ++i) {
      recorder rec;
      auto call = io.http()->start(post(gw.base_url() + "/chat/completions"), rec.callbacks());
      CHECK_FALSE(rec.wait_complete().error);
    }
    CHECK(gw.requests().size() == 2);
    CHECK(gw.connections() == 1);
  }
  SECTION("the server closes each connection: the second handshake resumes") {
    opts.keep_alive = false;
    test::fake_gateway gw({text_entry("one"), text_entry("two"), text_entry("three")}, opts);
    test::background_io io({gw.ca_file()});
    for (int i = 0; i < 3; ++i) {
      recorder rec;
      auto call = io.http()->start(post(gw.base_url() + "/chat/completions"), rec.callbacks());
      CHECK_FALSE(rec.wait_complete().error);
    }
    CHECK(gw.connections() == 3);
    CHECK(gw.resumed_handshakes() == 2);
  }
}

TEST_CASE("http pool: a client holding idle connections may outlive its io_context",
          "[http][pool]") {
  // The server destroys its io_context before the services that hold the client:
  // the pooled sockets and the sweep timer must go with the context, not after it.
  test::raw_tcp_server server;
  net::http_client_ptr http;
  {
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::thread thread([&] { io.run(); });
    http = net::make_http_client(io);
    recorder rec;
    auto call = http->start(post(server.url()), rec.callbacks());
    REQUIRE(server.accept_request());
    server.send(kOk);
    CHECK_FALSE(rec.wait_complete().error);  // the connection is now idle in the pool
    io.stop();
    thread.join();
  }
  CHECK(server.wait_client_closed());  // closed with the context
  http.reset();                        // nothing left to touch the dead context
}
