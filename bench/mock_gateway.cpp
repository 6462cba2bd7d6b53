// bench/mock_gateway.cpp — the LLM gateway of scripts/bench: an OpenAI-compatible
// `POST {any base}/chat/completions` on one thread (Boost.Beast), HTTP/1.1 keep-alive.
//
//   mock_gateway --port P [--tokens N (50)] [--token-delay-ms D (0)] [--first-token-delay-ms F (0)]
//
// stream=true  → Server-Sent Events, chunked: a role delta, N content deltas ("tok0", " tok1",
//                " tok2", …, one per HTTP chunk), a finish_reason "stop" delta, a usage chunk
//                when `stream_options.include_usage` is set, then `data: [DONE]`. With D = 0
//                the whole reply is one write; otherwise the first token follows F ms after the
//                head and every further token D ms after the previous one.
// stream=false → one chat.completion JSON with the whole text.
// GET {any}/stats → {"requests":chat requests,"connections":TCP connections accepted,
//                    "inflight":…, "max_inflight":…} (the load generator reads it to see
//                    whether the server reuses its gateway connections).
// Anything else → 404. Any bearer key is accepted.
//
// Thread-safety: everything runs on the one io_context thread.
// Bounds: request bodies above 8 MiB are refused (413, then close); a connection serves one
// request at a time (HTTP/1.1 without pipelining); stops on SIGTERM/SIGINT.
// <utility> first: Boost 1.74 asio/awaitable.hpp uses std::exchange without it under C++20.
#include <utility>

#include <rapidjson/document.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct settings {
  unsigned short port = 0;
  int tokens = 50;
  int token_delay_ms = 0;
  int first_token_delay_ms = 0;
};

struct counters {
  long requests = 0;
  long connections = 0;
  long inflight = 0;
  long max_inflight = 0;
};

std::string sse_event(std::string_view json) {
  std::string e = "data: ";
  e.append(json);
  e.append("\n\n");
  return e;
}

/// One HTTP/1.1 chunk holding `data`.
std::string http_chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string c = size;
  c.append(data);
  c.append("\r\n");
  return c;
}

std::string token_text(int i) {
  return (i == 0 ? "tok" : " tok") + std::to_string(i);
}

/// The reply's pieces, rendered once: each element is one HTTP chunk.
struct rendered_reply {
  std::string role;                 ///< the role delta
  std::vector<std::string> tokens;  ///< one content delta each
  std::string finish;               ///< finish_reason "stop"
  std::string usage;                ///< the usage chunk
  std::string done;                 ///< data: [DONE] and the last (empty) chunk
  std::string whole_text;
  std::string completion_json;  ///< the stream=false body

  explicit rendered_reply(int n) {
    const std::string head =
        R"({"id":"chatcmpl-mock","object":"chat.completion.chunk","created":1700000000,"model":"mock","choices":[)";
    role = http_chunk(sse_event(
        head + R"({"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"));
    for (int i = 0; i < n; ++i) {
      tokens.push_back(http_chunk(sse_event(head + R"({"index":0,"delta":{"content":")" +
                                            token_text(i) + R"("},"finish_reason":null}]})")));
      whole_text += token_text(i);
    }
    finish = http_chunk(sse_event(head + R"({"index":0,"delta":{},"finish_reason":"stop"}]})"));
    const std::string counts = R"("usage":{"prompt_tokens":10,"completion_tokens":)" +
                               std::to_string(n) + R"(,"total_tokens":)" + std::to_string(10 + n) +
                               "}";
    usage = http_chunk(sse_event(head + "]," + counts + "}"));
    done = http_chunk(sse_event("[DONE]")) + "0\r\n\r\n";
    completion_json =
        R"({"id":"chatcmpl-mock","object":"chat.completion","created":1700000000,"model":"mock","choices":[{"index":0,"message":{"role":"assistant","content":")" +
        whole_text + R"("},"finish_reason":"stop"}],)" + counts + "}";
  }
};

class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(tcp::socket socket, const settings& s, const rendered_reply& reply, counters& n)
      : stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        settings_(s),
        reply_(reply),
        n_(n) {}

  void start() { read_request(); }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(8u << 20);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec == http::error::body_limit) {
                         self->send_simple(413, "{\"error\":\"body too large\"}", false);
                         return;
                       }
                       if (ec) return;  // the client closed (or sent garbage): drop the connection
                       self->dispatch();
                     });
  }

  void dispatch() {
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    const std::string_view target(req.target().data(), req.target().size());
    if (req.method() == http::verb::get && target.ends_with("/stats")) {
      const std::string body = "{\"requests\":" + std::to_string(n_.requests) +
                               ",\"connections\":" + std::to_string(n_.connections) +
                               ",\"inflight\":" + std::to_string(n_.inflight) +
                               ",\"max_inflight\":" + std::to_string(n_.max_inflight) + "}";
      send_simple(200, body, keep_alive_);
      return;
    }
    if (req.method() != http::verb::post || !target.ends_with("/chat/completions")) {
      send_simple(404, "{\"error\":\"not found\"}", keep_alive_);
      return;
    }
    ++n_.requests;
    rapidjson::Document doc;
    doc.Parse(req.body().data(), req.body().size());
    if (doc.HasParseError() || !doc.IsObject()) {
      send_simple(400, "{\"error\":{\"message\":\"body is not a JSON object\"}}", keep_alive_);
      return;
    }
    const auto stream = doc.FindMember("stream");
    if (stream == doc.MemberEnd() || !stream->value.IsBool() || !stream->value.GetBool()) {
      send_simple(200, reply_.completion_json, keep_alive_);
      return;
    }
    include_usage_ = false;
    if (auto so = doc.FindMember("stream_options"); so != doc.MemberEnd() && so->value.IsObject()) {
      auto iu = so->value.FindMember("include_usage");
      include_usage_ = iu != so->value.MemberEnd() && iu->value.IsBool() && iu->value.GetBool();
    }
    stream_reply();
  }

  void stream_reply() {
    ended_ = false;
    failed_ = false;
    last_queued_ = false;
    ++n_.inflight;
    n_.max_inflight = std::max(n_.max_inflight, n_.inflight);
    out_ =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Transfer-Encoding: chunked\r\n";
    if (!keep_alive_) out_ += "Connection: close\r\n";
    out_ += "\r\n";
    out_ += reply_.role;
    next_token_ = 0;
    if (settings_.token_delay_ms <= 0 && settings_.first_token_delay_ms <= 0) {
      for (const auto& t : reply_.tokens) out_ += t;
      next_token_ = reply_.tokens.size();
      append_tail();
      write_out(true);
      return;
    }
    write_out(false);
    wait_then_send(settings_.first_token_delay_ms);
  }

  void append_tail() {
    out_ += reply_.finish;
    if (include_usage_) out_ += reply_.usage;
    out_ += reply_.done;
  }

  void wait_then_send(int delay_ms) {
    timer_.expires_after(std::chrono::milliseconds(delay_ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->failed_) return self->end_stream(false);
      self->out_ =
          self->reply_.tokens.empty() ? std::string() : self->reply_.tokens[self->next_token_++];
      const bool last = self->next_token_ >= self->reply_.tokens.size();
      if (last) self->append_tail();
      self->write_out(last);
      if (!last) self->wait_then_send(self->settings_.token_delay_ms);
    });
  }

  /// Queues out_ behind any write in flight; `last` ends the response once written.
  void write_out(bool last) {
    pending_ += out_;
    out_.clear();
    if (last) last_queued_ = true;
    if (!writing_) write_pending();
  }

  void write_pending() {
    writing_ = true;
    auto bytes = std::make_shared<std::string>(std::move(pending_));
    pending_.clear();
    asio::async_write(stream_, asio::buffer(*bytes),
                      [self = shared_from_this(), bytes](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) {
                          self->failed_ = true;
                          self->timer_.cancel();  // a pending token timer ends the stream
                          if (self->last_queued_) self->end_stream(false);
                          return;
                        }
                        if (!self->pending_.empty())
                          self->write_pending();
                        else if (self->last_queued_)
                          self->end_stream(true);
                      });
  }

  void end_stream(bool ok) {
    if (ended_) return;
    ended_ = true;
    --n_.inflight;
    if (ok && keep_alive_) {
      read_request();
      return;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void send_simple(int status, const std::string& body, bool keep_alive) {
    auto res =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::content_type, "application/json");
    res->keep_alive(keep_alive);
    res->body() = body;
    res->prepare_payload();
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (!ec && keep_alive) {
            self->read_request();
            return;
          }
          beast::error_code ignored;
          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const settings& settings_;
  const rendered_reply& reply_;
  counters& n_;
  std::string out_;
  std::size_t next_token_ = 0;
  bool keep_alive_ = true;
  bool include_usage_ = false;
  std::string pending_;  ///< bytes queued behind the write in flight
  bool writing_ = false;
  bool last_queued_ = false;
  bool failed_ = false;
  bool ended_ = false;
};

void accept_next(tcp::acceptor& acceptor, const settings& s, const rendered_reply& reply,
                 counters& n) {
  acceptor.async_accept([&acceptor, &s, &reply, &n](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      ++n.connections;
      socket.set_option(tcp::no_delay(true));
      std::make_shared<http_connection>(std::move(socket), s, reply, n)->start();
    }
    if (acceptor.is_open()) accept_next(acceptor, s, reply, n);
  });
}

int int_arg(const char* flag, const char* text, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < lo || v > hi) {
    std::fprintf(stderr, "mock_gateway: %s expects an integer in [%d, %d]\n", flag, lo, hi);
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--port")
      s.port = static_cast<unsigned short>(int_arg(argv[i], argv[i + 1], 1, 65535));
    else if (flag == "--tokens")
      s.tokens = int_arg(argv[i], argv[i + 1], 0, 100000);
    else if (flag == "--token-delay-ms")
      s.token_delay_ms = int_arg(argv[i], argv[i + 1], 0, 60000);
    else if (flag == "--first-token-delay-ms")
      s.first_token_delay_ms = int_arg(argv[i], argv[i + 1], 0, 60000);
    else {
      std::fprintf(stderr, "mock_gateway: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (s.port == 0 || argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: mock_gateway --port P [--tokens N] [--token-delay-ms D] "
                 "[--first-token-delay-ms F]\n");
    return 2;
  }
  const rendered_reply reply(s.tokens);
  counters n;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), s.port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  accept_next(acceptor, s, reply, n);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::fprintf(stderr, "mock_gateway: http://127.0.0.1:%u/v1 (%d tokens, %d ms apart)\n", s.port,
               s.tokens, s.token_delay_ms);
  ioc.run();
  std::fprintf(stderr, "mock_gateway: %ld chat requests over %ld connections\n", n.requests,
               n.connections);
  return 0;
}
