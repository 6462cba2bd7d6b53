// tests/server/turn_test_support.hpp — helpers for the whole-server turn and HITL tests
// (tests/server/turn_*.cpp, tests/server/hitl_*.cpp).
//
// Every helper that waits has a deadline and fails the test (REQUIRE) instead of
// hanging. Frames are parsed once into a `frame` and read by JSON pointer, so a
// test states the exact wire path it asserts ("/data/data/toolId").
// Thread-safety: test-thread only (ws_client is single-threaded).
#pragma once

#include "adapters/config/server_config.hpp"
#include "adapters/llm/llm_provider.hpp"
#include "adapters/llm/scripted_provider.hpp"
#include "adapters/tools/fixed_result_tool.hpp"
#include "net/server.hpp"
#include "protocol/json.hpp"
#include "tests/support/net/ws_client.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace so::test::turns {

using namespace std::chrono_literals;
namespace llm = adapters::llm;

inline constexpr const char* kAgentId = "11111111-1111-1111-1111-111111111111";
inline constexpr const char* kTurnInProgress =
    "a turn is already in progress on this connection; cancel it or wait for it to complete";
/// Generous per-turn deadline: CI runs on 2 shared cores with Debug builds.
inline constexpr std::chrono::milliseconds kTurnDeadline{15'000};

// ---- JSON ---------------------------------------------------------------------------

/// `s` as a JSON string literal (quotes included).
inline std::string quote(std::string_view s) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  protocol::write_string(w, s);
  return std::string(sb.GetString(), sb.GetSize());
}

/// One parsed JSON text (an event frame or a recorded request body), read by pointer.
class frame {
 public:
  frame() = default;
  explicit frame(std::string text)
      : text_(std::move(text)), doc_(std::make_shared<rapidjson::Document>()) {
    doc_->Parse(text_.c_str(), text_.size());
    INFO("json: " << text_);
    REQUIRE_FALSE(doc_->HasParseError());
  }

  const std::string& text() const { return text_; }
  const rapidjson::Value* get(const char* pointer) const {
    return doc_ ? rapidjson::Pointer(pointer).Get(*doc_) : nullptr;
  }
  bool has(const char* pointer) const { return get(pointer) != nullptr; }
  /// The string at `pointer`; "<absent>" / "<not a string>" make mismatches readable.
  std::string str(const char* pointer) const {
    const auto* v = get(pointer);
    if (v == nullptr) return "<absent>";
    if (!v->IsString()) return "<not a string: " + protocol::to_compact_json(*v) + ">";
    return std::string(v->GetString(), v->GetStringLength());
  }
  std::optional<bool> boolean(const char* pointer) const {
    const auto* v = get(pointer);
    if (v == nullptr || !v->IsBool()) return std::nullopt;
    return v->GetBool();
  }
  std::optional<std::int64_t> integer(const char* pointer) const {
    const auto* v = get(pointer);
    if (v == nullptr || !v->IsInt64()) return std::nullopt;
    return v->GetInt64();
  }
  std::optional<double> number(const char* pointer) const {
    const auto* v = get(pointer);
    if (v == nullptr || !v->IsNumber()) return std::nullopt;
    return v->GetDouble();
  }
  std::size_t size(const char* pointer) const {
    const auto* v = get(pointer);
    if (v == nullptr) return 0;
    if (v->IsArray()) return v->Size();
    if (v->IsObject()) return v->MemberCount();
    return 0;
  }
  std::string type() const { return str("/type"); }
  std::string rid() const { return str("/requestId"); }
  /// "toolCall" / "toolResult" for tool chunks, "" otherwise.
  std::string chunk_kind() const {
    if (type() != "stream_chunk") return "";
    if (has("/data/state/rawResponse/toolCall")) return "toolCall";
    if (has("/data/state/rawResponse/toolResult")) return "toolResult";
    return "";
  }

 private:
  std::string text_;
  std::shared_ptr<rapidjson::Document> doc_;
};

// ---- server --------------------------------------------------------------------------

/// Options for an in-process server on 127.0.0.1, ephemeral port, in-memory everything.
inline net::server_options base_options() {
  net::server_options o;
  o.config.bind = "127.0.0.1";
  o.config.port = 0;
  o.config.log_level = "warn";
  o.config.drain_timeout = std::chrono::seconds(2);  // never let a test's teardown hang long
  // Auto-titling off (issue 12): tests count the model's calls; conversations_test turns it on.
  o.config.title_model.clear();
  return o;
}

inline llm::script_entry text(std::string t) {
  llm::script_entry e;
  e.what = llm::script_entry::kind::text;
  e.text = std::move(t);
  return e;
}

inline llm::script_entry tool_call(std::string name, std::string arguments = "{}",
                                   std::string id = "call-1") {
  llm::script_entry e;
  e.what = llm::script_entry::kind::tool_call;
  e.name = std::move(name);
  e.arguments = std::move(arguments);
  e.id = std::move(id);
  return e;
}

/// Polls until no turn and no confirmation actor is alive (deadline 5 s), then
/// asserts it: no actor may outlive its turn.
inline void require_quiescent(net::server& server) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  net::server_stats s = server.stats();
  while ((s.live_turns != 0 || s.live_confirmations != 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    s = server.stats();
  }
  CHECK(s.live_turns == 0);
  CHECK(s.live_confirmations == 0);
}

/// Polls until the server counts exactly `n` attached connections (deadline 5 s).
inline void require_attached(net::server& server, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.stats().attached_connections != n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  REQUIRE(server.stats().attached_connections == n);
}

/// A file under /tmp holding `content`, removed on destruction.
class temp_file {
 public:
  explicit temp_file(const std::string& content) {
    char name[] = "/tmp/so-turn-test-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- client ----------------------------------------------------------------------------

inline std::unique_ptr<ws_client> connect(net::server& server) {
  ws_connect_options o;
  o.port = server.port();
  return std::make_unique<ws_client>(o);
}

/// The next frame, which must arrive within `timeout`.
inline frame next_frame(ws_client& ws, std::chrono::milliseconds timeout = 5s) {
  auto text = ws.read(timeout);
  INFO("no frame within " << timeout.count() << " ms (closed: " << ws.closed().has_value() << ")");
  REQUIRE(text.has_value());
  return frame(std::move(*text));
}

/// The next frame, which must be of `type`.
inline frame expect(ws_client& ws, const std::string& type,
                    std::chrono::milliseconds timeout = 5s) {
  auto f = next_frame(ws, timeout);
  INFO("frame: " << f.text());
  REQUIRE(f.type() == type);
  return f;
}

/// Frames up to and including the first terminal event (eventual_response,
/// cancelled, or an error) carrying requestId `rid`; everything must arrive
/// before `timeout` elapses in total.
inline std::vector<frame> read_turn(ws_client& ws, const std::string& rid,
                                    std::chrono::milliseconds timeout = kTurnDeadline) {
  std::vector<frame> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto text = ws.read(std::max(left, std::chrono::milliseconds(1)));
    if (!text) {
      std::string seen;
      for (const auto& f : out) seen += f.text() + "\n";
      INFO("turn " << rid << " had no terminal event within " << timeout.count()
                   << " ms; frames so far:\n"
                   << seen);
      REQUIRE(text.has_value());
    }
    out.emplace_back(std::move(*text));
    const auto& f = out.back();
    const auto t = f.type();
    if (f.rid() == rid && (t == "eventual_response" || t == "cancelled" || t == "error"))
      return out;
  }
}

/// Frames whose type is `type` (and, when given, whose chunk kind is `kind`).
inline std::vector<frame> of_type(const std::vector<frame>& frames, const std::string& type,
                                  const std::string& kind = "") {
  std::vector<frame> out;
  for (const auto& f : frames)
    if (f.type() == type && (kind.empty() || f.chunk_kind() == kind)) out.push_back(f);
  return out;
}

/// The concatenated top-level `token`s (clients accumulate those).
inline std::string tokens(const std::vector<frame>& frames) {
  std::string out;
  for (const auto& f : frames)
    if (f.type() == "stream_token") out += f.str("/token");
  return out;
}

/// The NO_PENDING_CONFIRMATION message for `sid`.
inline std::string no_pending_confirmation(const std::string& sid) {
  return "no tool action is awaiting confirmation for session '" + sid + "'";
}

/// Position of the first frame matching `type`/`kind` (frames.size() when none).
inline std::size_t index_of(const std::vector<frame>& frames, const std::string& type,
                            const std::string& kind = "") {
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (frames[i].type() == type && (kind.empty() || frames[i].chunk_kind() == kind)) return i;
  return frames.size();
}

/// Creates a session for kAgentId; its id.
inline std::string create_session_id(ws_client& ws) {
  ws.send_text(
      std::string(R"({"action":"create_conversation_session","requestId":"r-create","agentId":")") +
      kAgentId + "\"}");
  auto f = expect(ws, "immediate_response");
  REQUIRE(f.integer("/status") == 200);
  auto id = f.str("/data/sessionId");
  REQUIRE(id.size() == 36);
  return id;
}

inline void send_message(ws_client& ws, const std::string& session, const std::string& rid,
                         const std::string& message) {
  ws.send_text(R"({"action":"send_message","requestId":)" + quote(rid) + R"(,"sessionId":)" +
               quote(session) + R"(,"message":)" + quote(message) + "}");
}

/// send_message, then the 202 ack must be the next frame.
inline void start_turn(ws_client& ws, const std::string& session, const std::string& rid,
                       const std::string& message) {
  send_message(ws, session, rid, message);
  auto ack = expect(ws, "immediate_response");
  INFO("ack: " << ack.text());
  REQUIRE(ack.rid() == rid);
  REQUIRE(ack.integer("/status") == 202);
  REQUIRE(ack.str("/message") == "Processing your request...");
}

inline void confirm(ws_client& ws, const std::string& session, bool approved,
                    const std::string& rid) {
  ws.send_text(R"({"action":"confirm_tool_action","requestId":)" + quote(rid) + R"(,"sessionId":)" +
               quote(session) + R"(,"approved":)" + (approved ? "true" : "false") + "}");
}

/// A `cancel` frame, with or without a sessionId.
inline void cancel(ws_client& ws, const std::string& rid,
                   const std::optional<std::string>& session = std::nullopt) {
  std::string text = R"({"action":"cancel","requestId":)" + quote(rid);
  if (session) text += R"(,"sessionId":)" + quote(*session);
  ws.send_text(text + "}");
}

/// A ping whose pong must be the very next frame (nothing else queued before it).
inline void require_pong_next(ws_client& ws, const std::string& rid = "r-ping") {
  ws.send_text(R"({"action":"ping","requestId":)" + quote(rid) + "}");
  auto f = next_frame(ws);
  INFO("expected the pong first, got: " << f.text());
  REQUIRE(f.type() == "pong");
  REQUIRE(f.rid() == rid);
}

/// Asserts an `error` frame: code and message at top level and mirrored in data.
inline void require_error(const frame& f, const std::string& code, const std::string& message,
                          const std::string& rid) {
  INFO("frame: " << f.text());
  REQUIRE(f.type() == "error");
  CHECK(f.rid() == rid);
  CHECK(f.str("/data/requestId") == rid);
  CHECK(f.str("/error/code") == code);
  CHECK(f.str("/error/message") == message);
  CHECK(f.str("/data/error/code") == code);
  CHECK(f.str("/data/error/message") == message);
}

/// The conversation's persisted messages, OLDEST first, as (direction, text).
inline std::vector<std::pair<std::string, std::string>> stored_messages(
    ws_client& ws, const std::string& session) {
  ws.send_text(R"({"action":"get_conversation_messages","requestId":"r-list","sessionId":)" +
               quote(session) + "}");
  auto f = expect(ws, "immediate_response");
  INFO("page: " << f.text());
  REQUIRE(f.str("/message") == "ConversationMessages");
  const auto* msgs = f.get("/data/messages");
  REQUIRE(msgs != nullptr);
  REQUIRE(msgs->IsArray());
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : msgs->GetArray()) {
    const auto& content = m["content"];
    out.emplace_back(m["direction"].GetString(), content["text"].GetString());
  }
  std::reverse(out.begin(), out.end());  // the wire is newest first
  return out;
}

using stored = std::vector<std::pair<std::string, std::string>>;

// ---- assertions on a finished turn ---------------------------------------------------------

/// The terminal frame is an eventual_response 200 for `rid` with reply `reply`.
inline void require_reply(const frame& f, const std::string& rid, const std::string& reply) {
  INFO("terminal: " << f.text());
  REQUIRE(f.type() == "eventual_response");
  CHECK(f.rid() == rid);
  CHECK(f.integer("/status") == 200);
  CHECK(f.str("/data/requestId") == rid);
  CHECK(f.integer("/data/status") == 200);
  CHECK(f.size("/data/data/response/responseParts") == 1);
  CHECK(f.str("/data/data/response/responseParts/0") == reply);
  CHECK(f.boolean("/data/data/needsEscalation") == false);
  CHECK(f.str("/data/data/messageId").size() == 36);
}

/// The terminal frame is `cancelled` 499 for the turn `rid`.
inline void require_cancelled(const frame& f, const std::string& rid) {
  INFO("terminal: " << f.text());
  REQUIRE(f.type() == "cancelled");
  CHECK(f.rid() == rid);
  CHECK(f.integer("/status") == 499);
  CHECK(f.str("/data/requestId") == rid);
  CHECK(f.integer("/data/status") == 499);
  CHECK(f.integer("/timestamp").has_value());
}

/// A tool chunk's fields, checked against the expected ones.
inline void require_tool_call(const frame& f, const std::string& name, const std::string& args) {
  INFO("chunk: " << f.text());
  REQUIRE(f.chunk_kind() == "toolCall");
  CHECK(f.str("/node") == name);
  CHECK(f.str("/data/node") == name);
  CHECK(f.str("/data/state/rawResponse/toolCall/name") == name);
  CHECK(f.str("/data/state/rawResponse/toolCall/arguments") == args);
}

inline void require_tool_result(const frame& f, const std::string& name, bool is_error,
                                const std::string& result) {
  INFO("chunk: " << f.text());
  REQUIRE(f.chunk_kind() == "toolResult");
  CHECK(f.str("/node") == name);
  CHECK(f.str("/data/state/rawResponse/toolResult/name") == name);
  CHECK(f.boolean("/data/state/rawResponse/toolResult/isError") == is_error);
  CHECK(f.str("/data/state/rawResponse/toolResult/result") == result);
}

// ---- a turn parked on a confirmation ------------------------------------------------------

/// A server whose `delete_record` tool (answers "deleted") needs confirmation
/// (confirm_tools {"delete"}, 30 s timeout), with a scripted LLM playing `entries`.
struct confirming_server {
  std::shared_ptr<llm::scripted_provider> script;
  std::unique_ptr<net::server> server;

  explicit confirming_server(std::vector<llm::script_entry> entries)
      : script(std::make_shared<llm::scripted_provider>(std::move(entries))) {
    auto o = base_options();
    o.config.confirm_tools = {"delete"};
    o.config.confirm_timeout = 30'000ms;
    o.llm_override = script;
    o.extra_tools.push_back(
        std::make_shared<adapters::tools::fixed_result_tool>("delete_record", "deleted"));
    server = std::make_unique<net::server>(std::move(o));
  }
};

/// Starts a turn and waits until it is parked on the delete_record confirmation (the
/// script's next entry must call delete_record).
inline void park_on_confirmation(ws_client& ws, const std::string& sid, const std::string& rid) {
  start_turn(ws, sid, rid, "delete record 42");
  expect(ws, "write_confirmation_required");
  expect(ws, "stream_chunk");
}

// ---- an LLM whose responses are given event by event --------------------------------------

/// A provider replaying whole event lists (one list per LLM call), for shapes the
/// scripted provider cannot express (several tool calls in one response). A
/// drained queue answers with an empty "stop" response. Delivers synchronously.
class event_list_provider final : public llm::provider {
 public:
  explicit event_list_provider(std::vector<std::vector<llm::stream_event>> responses)
      : responses_(responses.begin(), responses.end()) {}

  std::shared_ptr<llm::stream_handle> stream(const llm::chat_request& request,
                                             llm::stream_sink sink) override {
    std::vector<llm::stream_event> events;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!responses_.empty()) {
        events = std::move(responses_.front());
        responses_.pop_front();
      }
    }
    if (events.empty()) events = {llm::finish_seen{"stop"}, llm::stream_complete{}};
    for (auto& e : events) sink(std::move(e));
    return std::make_shared<noop_handle>();
  }

  std::size_t calls() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  struct noop_handle final : llm::stream_handle {
    void cancel() override {}
  };
  mutable std::mutex mu_;
  std::deque<std::vector<llm::stream_event>> responses_;
  std::vector<llm::chat_request> requests_;
};

}  // namespace so::test::turns
