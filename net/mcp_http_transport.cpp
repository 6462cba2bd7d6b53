// net/mcp_http_transport.cpp — see mcp_http_transport.hpp.
#include "net/mcp_http_transport.hpp"

#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

namespace so::net {
namespace {

/// The `data:` payloads of a complete text/event-stream body, one per event.
std::vector<std::string> sse_payloads(std::string_view body) {
  std::vector<std::string> out;
  std::string data;
  bool has_data = false;
  while (!body.empty()) {
    auto nl = body.find('\n');
    auto line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {  // end of one event
      if (has_data) out.push_back(std::move(data));
      data.clear();
      has_data = false;
      continue;
    }
    if (line.rfind("data:", 0) == 0) {
      line.remove_prefix(5);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (has_data) data.push_back('\n');
      data.append(line);
      has_data = true;
    }  // event:, id:, retry: and comments carry nothing we use
  }
  if (has_data) out.push_back(std::move(data));
  return out;
}

class http_transport final : public mcp_transport,
                             public std::enable_shared_from_this<http_transport> {
 public:
  http_transport(mcp_http_options o, http_client_ptr http)
      : options_(std::move(o)), http_(std::move(http)) {}

  void start(mcp_transport_handlers handlers) override {
    std::lock_guard lock(mutex_);
    handlers_ = std::move(handlers);
  }

  bool send(const std::string& message, std::optional<std::int64_t> request_id,
            std::chrono::milliseconds timeout) override {
    http_request req;
    req.method = "POST";
    req.url = options_.url;
    req.body = message;
    req.headers.emplace_back("Content-Type", "application/json");
    req.headers.emplace_back("Accept", "application/json, text/event-stream");
    if (options_.bearer_token && !options_.bearer_token->empty())
      req.headers.emplace_back("Authorization", "Bearer " + *options_.bearer_token);
    std::uint64_t serial;
    bool had_session;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      had_session = session_id_.has_value();
      if (session_id_) {
        req.headers.emplace_back("Mcp-Session-Id", *session_id_);
        req.headers.emplace_back("MCP-Protocol-Version", kMcpProtocolVersion);
      }
      serial = ++serial_;
      in_flight_[serial];  // erased by finish(): a call done before start() returns stays out
    }
    // The client's own deadline ends the request first; these only free the socket.
    const auto margin = timeout + std::chrono::seconds(5);
    req.connect_timeout = std::min(req.connect_timeout, margin);
    req.idle_timeout = margin;
    req.total_timeout = margin;
    req.max_body_bytes = kMcpMaxMessageBytes;

    struct call_state {
      int status = 0;
      std::string content_type;
      std::string body;
    };
    auto st = std::make_shared<call_state>();
    std::weak_ptr<http_transport> weak = shared_from_this();
    http_callbacks cb;
    cb.on_head = [st, weak](const http_response_head& head) {
      st->status = head.status;
      st->content_type = head.header("Content-Type").value_or("");
      if (auto sid = head.header("Mcp-Session-Id"))
        if (auto self = weak.lock()) self->remember_session(*sid);
    };
    cb.on_body = [st](std::string_view chunk) { st->body.append(chunk); };
    cb.on_complete = [st, weak, request_id, serial, had_session](const http_outcome& o) {
      if (auto self = weak.lock()) self->finish(*st, o, request_id, serial, had_session);
    };
    try {
      auto call = http_->start(std::move(req), std::move(cb));
      std::lock_guard lock(mutex_);
      if (auto it = in_flight_.find(serial); it != in_flight_.end()) it->second = call;
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mutex_);
        in_flight_.erase(serial);
      }
      if (request_id) fail(*request_id, e.what());
      return false;
    }
    return true;
  }

  void close() override {
    std::map<std::uint64_t, std::weak_ptr<http_call>> calls;
    std::optional<std::string> sid;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      calls.swap(in_flight_);
      sid = session_id_;
    }
    for (auto& [_, w] : calls)
      if (auto c = w.lock()) c->cancel();
    if (sid) {  // best effort: tell the server the session is over (MCP §transports)
      http_request del;
      del.method = "DELETE";
      del.url = options_.url;
      del.headers.emplace_back("Mcp-Session-Id", *sid);
      del.headers.emplace_back("MCP-Protocol-Version", kMcpProtocolVersion);
      if (options_.bearer_token && !options_.bearer_token->empty())
        del.headers.emplace_back("Authorization", "Bearer " + *options_.bearer_token);
      del.total_timeout = del.connect_timeout = std::chrono::seconds(2);
      try {
        http_->start(std::move(del), {});
      } catch (const std::exception&) {
      }
    }
  }

 private:
  template <class State>
  void finish(const State& st, const http_outcome& o, std::optional<std::int64_t> request_id,
              std::uint64_t serial, bool had_session) {
    mcp_transport_handlers h;
    {
      std::lock_guard lock(mutex_);
      in_flight_.erase(serial);
      if (closed_) return;
      h = handlers_;
    }
    if (o.body_too_large) {
      if (request_id)
        h.on_request_failed(*request_id,
                            "the answer exceeds " + std::to_string(kMcpMaxMessageBytes) + " bytes");
      return;
    }
    if (o.error || o.cancelled) {
      if (request_id) h.on_request_failed(*request_id, o.error.value_or("cancelled"));
      return;
    }
    if (st.status == 404 && had_session) {
      h.on_closed("the server ended the HTTP session (404)");
      return;
    }
    if (st.status < 200 || st.status >= 300) {
      if (request_id)
        h.on_request_failed(*request_id, "HTTP " + std::to_string(st.status) + ": " +
                                             std::string(protocol::utf8_prefix(
                                                 protocol::repair_utf8(st.body), 200)));
      return;
    }
    if (st.content_type.rfind("text/event-stream", 0) == 0) {
      for (const auto& m : sse_payloads(st.body)) h.on_message(m);
    } else if (!st.body.empty()) {
      h.on_message(st.body);
    }
  }

  void remember_session(const std::string& sid) {
    std::lock_guard lock(mutex_);
    if (!session_id_) session_id_ = sid;
  }

  void fail(std::int64_t id, const std::string& detail) {
    mcp_transport_handlers h;
    {
      std::lock_guard lock(mutex_);
      h = handlers_;
    }
    if (h.on_request_failed) h.on_request_failed(id, detail);
  }

  mcp_http_options options_;
  http_client_ptr http_;
  std::mutex mutex_;
  mcp_transport_handlers handlers_;
  std::optional<std::string> session_id_;
  std::map<std::uint64_t, std::weak_ptr<http_call>> in_flight_;  ///< ≤ the client's pending bound
  std::uint64_t serial_ = 0;
  bool closed_ = false;
};

/// The unique_ptr face of a shared transport (its HTTP callbacks hold weak references).
class http_transport_handle final : public mcp_transport {
 public:
  explicit http_transport_handle(std::shared_ptr<http_transport> t) : t_(std::move(t)) {}
  ~http_transport_handle() override { t_->close(); }
  void start(mcp_transport_handlers h) override { t_->start(std::move(h)); }
  bool send(const std::string& m, std::optional<std::int64_t> id,
            std::chrono::milliseconds timeout) override {
    return t_->send(m, id, timeout);
  }
  void close() override { t_->close(); }

 private:
  std::shared_ptr<http_transport> t_;
};

}  // namespace

mcp_transport_ptr make_mcp_http_transport(mcp_http_options options, http_client_ptr http) {
  return std::make_unique<http_transport_handle>(
      std::make_shared<http_transport>(std::move(options), std::move(http)));
}

}  // namespace so::net
