// Tests for the write-batching layer under the WebSocket stream
// (net/write_batching_stream.hpp): frames appended by the owner are framed as RFC 6455
// server text frames and leave in order, in one send; the pending count the outbound
// bound uses; when appending is allowed; failures; owners.
#include "net/write_batching_stream.hpp"
#include "tests/support/net/sync_io.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>

using namespace so;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// A connected loopback pair: `batching` wraps the server side, `peer` is the client.
struct socket_pair {
  asio::io_context io;
  net::write_batching_stream<tcp::socket> batching{io};
  tcp::socket peer{io};
  std::shared_ptr<int> owner = std::make_shared<int>(0);

  socket_pair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    peer.connect(acceptor.local_endpoint());
    acceptor.accept(batching.next_layer());
    batching.set_owner(owner);
  }

  /// Writes `text` through the layer; returns the completion's byte count (runs io).
  std::size_t write(const std::string& text) {
    std::optional<std::size_t> done;
    boost::beast::error_code error;
    batching.async_write_some(asio::buffer(text), [&](boost::beast::error_code ec, std::size_t n) {
      error = ec;
      done = n;
    });
    REQUIRE(test::run_until(
        io, [&] { return done.has_value(); }, 5s));
    last_error = error;
    return *done;
  }

  /// What the peer can read without waiting.
  std::string readable() {
    io.poll();  // finish sends already started
    std::string out;
    peer.non_blocking(true);
    char buf[4096];
    boost::system::error_code ec;
    for (;;) {
      const auto n = peer.read_some(asio::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    peer.non_blocking(false);
    return out;
  }

  /// Reads exactly `n` bytes (blocking, with the layer's sends driven meanwhile).
  std::string read_exactly(std::size_t n) {
    std::string out(n, '\0');
    std::optional<boost::system::error_code> done;
    asio::async_read(peer, asio::buffer(out),
                     [&](boost::system::error_code ec, std::size_t) { done = ec; });
    REQUIRE(test::run_until(
        io, [&] { return done.has_value(); }, 5s));
    REQUIRE_FALSE(*done);
    return out;
  }

  boost::beast::error_code last_error;
};

}  // namespace

TEST_CASE("write_batching_stream sends a write at once when it holds nothing", "[net][batching]") {
  socket_pair s;
  CHECK(s.write("hello") == 5);
  CHECK(s.read_exactly(5) == "hello");
  CHECK(s.batching.pending_bytes() == 0);
  CHECK_FALSE(s.batching.busy());
}

TEST_CASE("write_batching_stream frames appended messages and sends them in order in one go",
          "[net][batching]") {
  socket_pair s;
  REQUIRE(s.batching.can_append());
  // The three length forms of RFC 6455 §5.2: 7 bits, 16 bits (126), 64 bits (127).
  const std::string small = "frame-1";
  const std::string medium(300, 'm');
  const std::string large(70'000, 'l');
  for (const auto* text : {&small, &medium, &large}) s.batching.append_text_frame(*text);
  std::string expected;
  expected += "\x81\x07" + small;
  expected += std::string("\x81\x7e\x01\x2c", 4) + medium;
  expected += std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x11\x70", 10) + large;
  CHECK(s.batching.pending_bytes() == expected.size());  // what the outbound bound counts
  CHECK(s.batching.busy());
  CHECK(s.readable().empty());  // nothing leaves before send()

  s.batching.send();
  CHECK(s.read_exactly(expected.size()) == expected);
  CHECK(s.batching.pending_bytes() == 0);
  CHECK_FALSE(s.batching.busy());  // buffers freed once drained
}

TEST_CASE("write_batching_stream puts writes made behind appended frames after them",
          "[net][batching]") {
  socket_pair s;
  s.batching.append_text_frame("first");
  s.batching.send();
  // A write (Beast's, e.g. a pong) while the send is in flight is copied behind it.
  CHECK(s.write("then") == 4);
  s.batching.append_text_frame("last");
  s.batching.send();
  const std::string expected = std::string("\x81\x05") + "first" + "then" + "\x81\x04" + "last";
  CHECK(s.read_exactly(expected.size()) == expected);
}

TEST_CASE("write_batching_stream queues writes made while a send is in flight behind it",
          "[net][batching]") {
  socket_pair s;
  // Not held: the first write starts a send; the ones right after it (before the send
  // completes) wait for it and leave together after it, in order.
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    const auto frame = std::string(1000, static_cast<char>('a' + i));
    s.batching.async_write_some(asio::buffer(frame), [](boost::beast::error_code, std::size_t) {});
    expected += frame;
  }
  CHECK(s.read_exactly(expected.size()) == expected);
}

TEST_CASE("write_batching_stream reports a failed send on later writes", "[net][batching]") {
  socket_pair s;
  s.peer.close();
  // The peer is gone: sends fail (EPIPE / reset) once the kernel knows; keep writing
  // until a write reports it.
  const std::string chunk(64 * 1024, 'x');
  bool failed = false;
  for (int i = 0; i < 200 && !failed; ++i) {
    s.batching.append_text_frame(chunk);  // keeps the layer busy: later writes copy
    s.batching.send();
    s.write(chunk);
    failed = static_cast<bool>(s.last_error);
  }
  CHECK(failed);
  CHECK(s.batching.pending_bytes() == 0);  // nothing is kept for a dead socket
  CHECK_FALSE(s.batching.can_append());    // the owner writes through Beast and sees it
}

TEST_CASE("write_batching_stream starts no send once its owner is gone", "[net][batching]") {
  socket_pair s;
  s.owner.reset();
  s.batching.append_text_frame("lost");
  s.batching.send();  // nothing may outlive the owner
  CHECK(s.readable().empty());
  CHECK(s.batching.pending_bytes() == 6);
}

TEST_CASE("write_batching_stream passes a lone write straight to the socket", "[net][batching]") {
  socket_pair s;
  // Nothing held or queued: no copy into the layer (a ping's reply allocates no buffer);
  // the write completes when the socket's does. Meanwhile nothing may be appended: it
  // could land inside the bytes of the write still on its way.
  const std::string text = "lone reply";
  std::optional<std::size_t> done;
  s.batching.async_write_some(asio::buffer(text),
                              [&](boost::beast::error_code, std::size_t n) { done = n; });
  CHECK(s.batching.pending_bytes() == 0);
  CHECK_FALSE(s.batching.can_append());
  CHECK(s.batching.busy());
  REQUIRE(test::run_until(
      s.io, [&] { return done.has_value(); }, 5s));
  CHECK(*done == text.size());
  CHECK(s.read_exactly(text.size()) == text);
  CHECK(s.batching.can_append());
}
