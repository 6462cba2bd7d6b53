// tests/server/server_test_support.hpp — helpers for the whole-server tests.
//
// Every helper waits with a deadline: a broken server fails a test, it never
// hangs the suite. Frames are parsed with RapidJSON and inspected through JSON
// Pointers ("/data/error/code").
#pragma once

#include "adapters/llm/llm_provider.hpp"
#include "adapters/llm/scripted_provider.hpp"
#include "net/server.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/llm/scripted_texts.hpp"
#include "tests/support/net/ws_client.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace so::test::srv {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using test::scripted_texts;  // the server tests name it through `using namespace srv`

// ---- booting -----------------------------------------------------------------------------

/// A local server: 127.0.0.1, ephemeral port, no gateway key, in-memory everything.
/// A short drain timeout keeps a test whose turn never ends from holding teardown 25 s.
inline net::server_options local_options() {
  net::server_options o;
  o.config.bind = "127.0.0.1";
  o.config.port = 0;
  o.config.gateway_key.clear();
  o.config.drain_timeout = std::chrono::seconds(5);
  return o;
}

/// Same, with a scripted LLM installed (bypasses LLM_UNAVAILABLE).
inline net::server_options scripted_options(std::shared_ptr<adapters::llm::provider> llm) {
  auto o = local_options();
  o.llm_override = std::move(llm);
  return o;
}

inline ws_client connect_to(std::uint16_t port) {
  ws_connect_options o;
  o.port = port;
  return ws_client(o);
}
inline ws_client connect_to(net::server& s) {
  return connect_to(s.port());
}

// ---- JSON --------------------------------------------------------------------------------

inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  INFO("frame: " << text);
  REQUIRE_FALSE(d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

/// The value at a JSON Pointer, or nullptr.
inline const rapidjson::Value* at(const rapidjson::Value& v, const char* pointer) {
  return rapidjson::Pointer(pointer).Get(v);
}

inline bool has(const rapidjson::Value& v, const char* pointer) {
  return at(v, pointer) != nullptr;
}

/// The string at `pointer`; fails the test if absent or not a string.
inline std::string str(const rapidjson::Value& v, const char* pointer) {
  const auto* p = at(v, pointer);
  INFO("pointer " << pointer);
  REQUIRE(p != nullptr);
  REQUIRE(p->IsString());
  return std::string(p->GetString(), p->GetStringLength());
}

inline std::int64_t integer(const rapidjson::Value& v, const char* pointer) {
  const auto* p = at(v, pointer);
  INFO("pointer " << pointer);
  REQUIRE(p != nullptr);
  REQUIRE(p->IsInt64());
  return p->GetInt64();
}

inline bool is_uuid(const std::string& s) {
  static const std::regex re(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(s, re);
}

// ---- reading -----------------------------------------------------------------------------

/// The next frame as JSON; fails the test when none arrives in time.
inline rapidjson::Document next(ws_client& c, milliseconds timeout = 5000ms) {
  auto text = c.read(timeout);
  const auto closed = c.closed();
  INFO("connection closed: " << (closed ? std::to_string(closed->code) : std::string("no")));
  REQUIRE(text.has_value());
  return parse(*text);
}

/// The next frame of `type`, skipping others; fails the test on timeout.
inline rapidjson::Document next_of(ws_client& c, const std::string& type,
                                   milliseconds timeout = 5000ms,
                                   std::vector<std::string>* skipped = nullptr) {
  auto text = c.read_until_type(type, timeout, skipped);
  INFO("waiting for " << type);
  REQUIRE(text.has_value());
  return parse(*text);
}

/// get_conversation_messages (newest first) of `session_id` as "direction:text", oldest first.
inline std::vector<std::string> history_of(ws_client& c, const std::string& session_id) {
  c.send_text(R"({"action":"get_conversation_messages","requestId":"h","sessionId":")" +
              session_id + R"(","limit":50})");
  auto d = next_of(c, "immediate_response");
  REQUIRE(integer(d, "/status") == 200);
  std::vector<std::string> out;
  for (const auto& m : at(d, "/data/messages")->GetArray())
    out.insert(out.begin(),
               std::string(m["direction"].GetString()) + ":" + m["content"]["text"].GetString());
  return out;
}

/// Checks an `error` event: both copies of {code, message} and the requestId rule
/// (present in both places when `rid` is given, absent from both otherwise).
inline void check_error(const rapidjson::Value& d, const std::string& code,
                        const std::optional<std::string>& message,
                        const std::optional<std::string>& rid) {
  CHECK(str(d, "/type") == "error");
  CHECK(str(d, "/error/code") == code);
  CHECK(str(d, "/data/error/code") == code);
  if (message) {
    CHECK(str(d, "/error/message") == *message);
    CHECK(str(d, "/data/error/message") == *message);
  }
  if (rid) {
    CHECK(str(d, "/requestId") == *rid);
    CHECK(str(d, "/data/requestId") == *rid);
  } else {
    CHECK_FALSE(has(d, "/requestId"));
    CHECK_FALSE(has(d, "/data/requestId"));
  }
  CHECK_FALSE(has(d, "/status"));
  CHECK(integer(d, "/timestamp") > 0);
}

/// The connection still works: a ping round trip answers with the same requestId.
inline void expect_alive(ws_client& c, const std::string& rid) {
  c.send_text(R"({"action":"ping","requestId":")" + rid + R"("})");
  auto pong = next_of(c, "pong");
  CHECK(str(pong, "/requestId") == rid);
}

// ---- sessions ----------------------------------------------------------------------------

struct session_ids {
  std::string session_id;
  std::string conversation_id;
  std::string agent_id;
  std::string user_participant_id;
  std::string agent_participant_id;
};

inline session_ids create_session(ws_client& c, const std::string& agent_id = "agent-test",
                                  const std::string& rid = "r-create") {
  c.send_text(R"({"action":"create_conversation_session","requestId":")" + rid +
              R"(","agentId":")" + agent_id + R"(","userName":"Test Visitor"})");
  auto d = next_of(c, "immediate_response");
  REQUIRE(str(d, "/requestId") == rid);
  REQUIRE(integer(d, "/status") == 200);
  return {str(d, "/data/sessionId"), str(d, "/data/conversationId"), str(d, "/data/agentId"),
          str(d, "/data/userParticipantId"), str(d, "/data/agentParticipantId")};
}

/// Sends one message and reads its turn through the terminal event (returned).
inline rapidjson::Document run_turn(ws_client& c, const std::string& session_id,
                                    const std::string& message, const std::string& rid,
                                    milliseconds timeout = 10000ms) {
  c.send_text(R"({"action":"send_message","requestId":")" + rid + R"(","sessionId":")" +
              session_id + R"(","message":")" + message + R"("})");
  auto ack = next(c, timeout);
  REQUIRE(str(ack, "/type") == "immediate_response");
  REQUIRE(integer(ack, "/status") == 202);
  REQUIRE(str(ack, "/requestId") == rid);
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    REQUIRE(left > 0ms);
    auto d = next(c, left);
    const auto type = str(d, "/type");
    if (type == "eventual_response" || type == "error") return d;
  }
}

/// run_turn, for a session whose turn lease another process may still hold (a killed
/// server's lease lives until it expires): while send_message is refused with
/// TURN_IN_PROGRESS it is sent again (every 50 ms, until `lease_wait` passes).
inline rapidjson::Document run_turn_when_free(ws_client& c, const std::string& session_id,
                                              const std::string& message, const std::string& rid,
                                              milliseconds lease_wait = 15000ms) {
  const auto until = steady_clock::now() + lease_wait;
  for (;;) {
    c.send_text(R"({"action":"send_message","requestId":")" + rid + R"(","sessionId":")" +
                session_id + R"(","message":")" + message + R"("})");
    auto d = next(c);
    if (str(d, "/type") != "error" || str(d, "/error/code") != "TURN_IN_PROGRESS") {
      REQUIRE(str(d, "/type") == "immediate_response");
      REQUIRE(integer(d, "/status") == 202);
      break;
    }
    REQUIRE(steady_clock::now() < until);
    std::this_thread::sleep_for(50ms);
  }
  for (;;) {
    auto d = next(c, 10000ms);
    const auto type = str(d, "/type");
    if (type == "eventual_response" || type == "error") return d;
  }
}

// ---- waiting -----------------------------------------------------------------------------

/// Polls `pred` until it holds or a timeout (5 s) passes (tests/support/eventually.hpp).
using test::eventually;

/// Whether a new TCP+WebSocket connection to `port` is refused (listener stopped).
inline bool refuses_connections(std::uint16_t port) {
  try {
    ws_connect_options o;
    o.port = port;
    o.timeout = 1000ms;
    ws_client c(o);
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

// ---- a provider whose turns wait for the test -----------------------------------------------

/// Each `stream` call waits on a background thread until `release()`, then streams
/// `reply` like the scripted provider. `cancel()` (turn ended, e.g. killed at
/// shutdown) guarantees no sink call afterwards and drops the sink (and the actor
/// handle inside it) right away.
class gated_provider final : public adapters::llm::provider {
 public:
  explicit gated_provider(std::string reply) : reply_(std::move(reply)) {}

  ~gated_provider() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  std::shared_ptr<adapters::llm::stream_handle> stream(const adapters::llm::chat_request&,
                                                       adapters::llm::stream_sink sink) override {
    auto c = std::make_shared<call>();
    c->sink = std::move(sink);
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, c] { run(c); });
    ++started_;
    cv_.notify_all();
    return std::make_shared<handle>(c);
  }

  void release() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

  /// Waits until `n` calls have started; false on timeout.
  bool wait_started(std::size_t n, milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return started_ >= n; });
  }

 private:
  struct call {
    std::mutex mu;
    adapters::llm::stream_sink sink;
    bool cancelled = false;
  };
  class handle final : public adapters::llm::stream_handle {
   public:
    explicit handle(std::shared_ptr<call> c) : c_(std::move(c)) {}
    void cancel() override {
      std::lock_guard lock(c_->mu);
      c_->cancelled = true;
      c_->sink = nullptr;
    }

   private:
    std::shared_ptr<call> c_;
  };

  void run(const std::shared_ptr<call>& c) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return open_ || stopping_; });
      if (!open_) return;
    }
    adapters::llm::script_entry e;
    e.text = reply_;
    for (auto& ev : adapters::llm::script_events(e)) {
      std::lock_guard lock(c->mu);
      if (c->cancelled) return;
      c->sink(std::move(ev));
    }
    std::lock_guard lock(c->mu);
    c->sink = nullptr;
  }

  std::string reply_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  bool stopping_ = false;
  std::size_t started_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace so::test::srv
