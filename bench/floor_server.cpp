// bench/floor_server.cpp — the floor of scripts/bench: the least a WebSocket server of this
// protocol can do per frame. One thread, Boost.Beast, every text frame parsed with RapidJSON;
// `ping` gets a pong of the shape our server sends, `create_conversation_session` a fixed
// `immediate_response` 200 of the same size class (no storage, no actors, no hops), anything
// else an `error`. Our server's throughput is reported as a ratio to this one, measured in
// the same run on the same machine.
//
//   floor_server --port P     listens on 127.0.0.1:P (any path), until SIGTERM/SIGINT
//
// Thread-safety: everything runs on the one io_context thread.
// Bounds: at most kMaxQueued replies wait per connection; at that mark the connection stops
// reading until its writes catch up (a client that never reads gets TCP back-pressure).
// Frames above 1 MiB close the connection (as our server's default limit).
// <utility> first: Boost 1.74 asio/awaitable.hpp uses std::exchange without it under C++20.
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxQueued = 64;
constexpr std::size_t kMaxFrameBytes = 1 << 20;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key_string(writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

/// The reply to one frame, shaped like our server's (protocol/events.cpp).
std::string reply_to(std::string_view frame) {
  rapidjson::Document doc;
  doc.Parse(frame.data(), frame.size());
  std::string_view action, rid;
  if (!doc.HasParseError() && doc.IsObject()) {
    if (auto it = doc.FindMember("action"); it != doc.MemberEnd() && it->value.IsString()) {
      action = std::string_view(it->value.GetString(), it->value.GetStringLength());
    }
    if (auto it = doc.FindMember("requestId"); it != doc.MemberEnd() && it->value.IsString()) {
      rid = std::string_view(it->value.GetString(), it->value.GetStringLength());
    }
  }
  const std::int64_t now = unix_ms();
  rapidjson::StringBuffer sb;
  writer w(sb);
  w.StartObject();
  if (action == "ping") {
    key_string(w, "type", "pong");
    key_string(w, "requestId", rid);
    w.Key("timestamp");
    w.Int64(now);
    w.Key("data");
    w.StartObject();
    w.Key("timestamp");
    w.Int64(now);
    w.EndObject();
  } else if (action == "create_conversation_session") {
    key_string(w, "type", "immediate_response");
    key_string(w, "requestId", rid);
    w.Key("status");
    w.Int(200);
    key_string(w, "message", "Session created");
    w.Key("data");
    w.StartObject();
    key_string(w, "sessionId", "00000000-0000-4000-8000-000000000001");
    key_string(w, "conversationId", "00000000-0000-4000-8000-000000000002");
    key_string(w, "agentId", "11111111-1111-4111-8111-111111111111");
    key_string(w, "agentName", "Agent");
    key_string(w, "userParticipantId", "00000000-0000-4000-8000-000000000003");
    key_string(w, "agentParticipantId", "00000000-0000-4000-8000-000000000004");
    w.EndObject();
    w.Key("timestamp");
    w.Int64(now);
  } else {
    key_string(w, "type", "error");
    key_string(w, "requestId", rid);
    w.Key("error");
    w.StartObject();
    key_string(w, "code", "VALIDATION_ERROR");
    key_string(w, "message", "the floor answers ping and create_conversation_session only");
    w.EndObject();
    w.Key("timestamp");
    w.Int64(now);
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

class ws_connection : public std::enable_shared_from_this<ws_connection> {
 public:
  explicit ws_connection(tcp::socket socket) : ws_(std::move(socket)) {}

  void start() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kMaxFrameBytes);
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    reading_ = true;
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->reading_ = false;
      if (ec) return;
      const auto data = self->buffer_.cdata();
      self->queue_.push_back(
          reply_to(std::string_view(static_cast<const char*>(data.data()), data.size())));
      self->buffer_.consume(self->buffer_.size());
      if (self->queue_.size() == 1) self->write();
      if (self->queue_.size() < kMaxQueued) self->read();
    });
  }

  void write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->write();
                      if (!self->reading_ && self->queue_.size() < kMaxQueued) self->read();
                    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool reading_ = false;
};

void accept_next(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<ws_connection>(std::move(socket))->start();
    }
    if (acceptor.is_open()) accept_next(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string_view(argv[i]) == "--port")
      port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
  }
  if (port == 0) {
    std::fprintf(stderr, "usage: floor_server --port P\n");
    return 2;
  }
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  accept_next(acceptor);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::fprintf(stderr, "floor_server: ws://127.0.0.1:%u/ws\n", port);
  ioc.run();
  return 0;
}
