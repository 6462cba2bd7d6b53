// net/mcp_client.cpp — see mcp_client.hpp.
#include "net/mcp_client.hpp"

#include "protocol/json.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace so::net {
namespace {

using adapters::tools::mcp_reply;
using clock_type = std::chrono::steady_clock;

struct pending_request {
  clock_type::time_point deadline;
  std::function<void(mcp_reply)> done;
};

struct outgoing {
  std::string text;
  std::optional<std::int64_t> request_id;
  std::chrono::milliseconds timeout{0};
};

std::string rpc_message(std::optional<std::int64_t> id, const std::string& method,
                        const std::string& params_json) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "jsonrpc");
  protocol::write_string(w, "2.0");
  if (id) {
    protocol::write_key(w, "id");
    w.Int64(*id);
  }
  protocol::write_key(w, "method");
  protocol::write_string(w, method);
  if (!params_json.empty()) {
    protocol::write_key(w, "params");
    protocol::write_raw(w, params_json, rapidjson::kObjectType);
  }
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

class client final : public adapters::tools::mcp_session,
                     public std::enable_shared_from_this<client> {
 public:
  client(mcp_transport_ptr t, mcp_client_options o)
      : transport_(std::move(t)), options_(std::move(o)) {}
  ~client() override { close(); }

  void start() {
    std::weak_ptr<client> weak = shared_from_this();
    mcp_transport_handlers h;
    h.on_message = [weak](std::string_view m) {
      if (auto self = weak.lock()) self->on_message(m);
    };
    h.on_request_failed = [weak](std::int64_t id, std::string detail) {
      if (auto self = weak.lock()) self->complete(id, mcp_reply{std::nullopt, detail, false});
    };
    h.on_closed = [weak](std::string reason) {
      if (auto self = weak.lock()) self->on_closed(std::move(reason));
    };
    transport_->start(std::move(h));
    writer_ = std::thread([this] { write_loop(); });
  }

  void request(const std::string& method, const std::string& params_json,
               std::chrono::milliseconds timeout, std::function<void(mcp_reply)> done) override {
    std::string refusal;
    {
      std::lock_guard lock(mutex_);
      if (!alive_) {
        refusal = "the MCP server is not connected (" + reason_ + ")";
      } else if (pending_.size() >= options_.max_pending) {
        refusal = "too many calls in flight (" + std::to_string(options_.max_pending) + ")";
      } else {
        const auto id = ++next_id_;
        pending_[id] = pending_request{clock_type::now() + timeout, std::move(done)};
        queue_.push_back(outgoing{rpc_message(id, method, params_json), id, timeout});
      }
    }
    if (!refusal.empty()) return done(mcp_reply{std::nullopt, refusal, false});
    wake_.notify_one();
  }

  void notify(const std::string& method, const std::string& params_json) override {
    enqueue_other(rpc_message(std::nullopt, method, params_json));
  }

  bool alive() const override {
    std::lock_guard lock(mutex_);
    return alive_;
  }

  std::string close_reason() const override {
    std::lock_guard lock(mutex_);
    return alive_ ? std::string() : reason_;
  }

  void close() override {
    std::call_once(closed_, [this] {
      {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (alive_) {
          alive_ = false;
          reason_ = "closed";
        }
      }
      wake_.notify_one();
      if (writer_.joinable()) {
        if (writer_.get_id() == std::this_thread::get_id())
          writer_.detach();  // the last owner went away inside a callback on the writer
        else
          writer_.join();
      }
      transport_->close();
      fail_all("closed");
    });
  }

 private:
  void enqueue_other(std::string text) {
    {
      std::lock_guard lock(mutex_);
      if (!alive_) return;
      if (others_queued_ >= options_.max_pending) {
        spdlog::warn("mcp server `{}`: send queue full, a message to it was dropped",
                     options_.server);
        return;
      }
      ++others_queued_;
      queue_.push_back(outgoing{std::move(text), std::nullopt, std::chrono::seconds(10)});
    }
    wake_.notify_one();
  }

  void write_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      // Expire what is due, then send what is queued, then sleep to the next deadline.
      const auto now = clock_type::now();
      std::vector<std::function<void(mcp_reply)>> expired;
      auto next = clock_type::time_point::max();
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.deadline <= now) {
          expired.push_back(std::move(it->second.done));
          it = pending_.erase(it);
        } else {
          next = std::min(next, it->second.deadline);
          ++it;
        }
      }
      if (!expired.empty()) {
        lock.unlock();
        for (auto& d : expired) d(mcp_reply{std::nullopt, "timed out", true});
        lock.lock();
        continue;
      }
      if (!queue_.empty()) {
        auto msg = std::move(queue_.front());
        queue_.pop_front();
        if (!msg.request_id) --others_queued_;
        lock.unlock();
        const bool sent = transport_->send(msg.text, msg.request_id, msg.timeout);
        if (!sent && msg.request_id)
          complete(*msg.request_id,
                   mcp_reply{std::nullopt, "the message could not be sent", false});
        lock.lock();
        continue;
      }
      if (next == clock_type::time_point::max())
        wake_.wait(lock);
      else
        wake_.wait_until(lock, next);
    }
  }

  void complete(std::int64_t id, mcp_reply reply) {
    std::function<void(mcp_reply)> done;
    {
      std::lock_guard lock(mutex_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;  // timed out or closed already
      done = std::move(it->second.done);
      pending_.erase(it);
    }
    done(std::move(reply));
  }

  void on_message(std::string_view text) {
    rapidjson::Document doc;
    if (auto r = protocol::parse_untrusted(doc, text); !r.ok) {
      spdlog::warn("mcp server `{}`: ignored a message that is not JSON ({})", options_.server,
                   r.error);
      return;
    }
    if (doc.IsArray()) {  // a batch
      for (const auto& m : doc.GetArray()) on_value(m);
      return;
    }
    on_value(doc);
  }

  void on_value(const rapidjson::Value& m) {
    if (!m.IsObject()) return;
    const auto* id = protocol::get_member(m, "id");
    const auto method = protocol::get_string(m, "method");
    if (method) {
      if (id == nullptr || id->IsNull()) return;  // a notification (logging, list_changed)
      answer_server_request(*id, *method);
      return;
    }
    if (id == nullptr || !id->IsInt64()) return;  // not an answer to one of ours
    if (const auto* result = protocol::get_member(m, "result"))
      return complete(id->GetInt64(), mcp_reply{protocol::to_compact_json(*result), {}, false});
    std::string error = "malformed JSON-RPC response";
    if (const auto* e = protocol::get_member(m, "error"); e != nullptr && e->IsObject()) {
      const auto* code = protocol::get_member(*e, "code");
      error = (code != nullptr && code->IsInt64() ? std::to_string(code->GetInt64()) + ": " : "") +
              protocol::get_string(*e, "message").value_or("error");
    }
    complete(id->GetInt64(), mcp_reply{std::nullopt, std::move(error), false});
  }

  void answer_server_request(const rapidjson::Value& id, const std::string& method) {
    rapidjson::StringBuffer sb;
    protocol::json_writer w(sb);
    w.StartObject();
    protocol::write_key(w, "jsonrpc");
    protocol::write_string(w, "2.0");
    protocol::write_key(w, "id");
    id.Accept(w);
    if (method == "ping") {
      protocol::write_key(w, "result");
      w.StartObject();
      w.EndObject();
    } else {
      protocol::write_key(w, "error");
      w.StartObject();
      protocol::write_key(w, "code");
      w.Int(-32601);
      protocol::write_key(w, "message");
      protocol::write_string(w, "Method not found");
      w.EndObject();
    }
    w.EndObject();
    enqueue_other({sb.GetString(), sb.GetSize()});
  }

  void on_closed(std::string reason) {
    {
      std::lock_guard lock(mutex_);
      if (!alive_) return;
      alive_ = false;
      reason_ = reason;
    }
    spdlog::warn("mcp server `{}`: {}", options_.server, reason);
    fail_all("MCP server `" + options_.server + "` closed the connection: " + reason);
  }

  void fail_all(const std::string& why) {
    std::map<std::int64_t, pending_request> gone;
    {
      std::lock_guard lock(mutex_);
      gone.swap(pending_);
      queue_.clear();
      others_queued_ = 0;
    }
    for (auto& [_, p] : gone) p.done(mcp_reply{std::nullopt, why, false});
  }

  mcp_transport_ptr transport_;
  mcp_client_options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::int64_t, pending_request> pending_;  ///< ≤ max_pending
  std::deque<outgoing> queue_;                       ///< ≤ pending + max_pending others
  std::size_t others_queued_ = 0;
  std::int64_t next_id_ = 0;
  bool alive_ = true;
  bool stopping_ = false;
  std::string reason_;
  std::thread writer_;
  std::once_flag closed_;
};

}  // namespace

adapters::tools::mcp_session_ptr start_mcp_client(mcp_transport_ptr transport,
                                                  mcp_client_options options) {
  auto c = std::make_shared<client>(std::move(transport), std::move(options));
  c->start();
  return c;
}

}  // namespace so::net
