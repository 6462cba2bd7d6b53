// tests/server/limits_test.cpp — the runtime limits through the whole server (README
// "Limits"): inbound credit with a connection actor that waits on storage, the frame
// rate limit's RATE_LIMITED event, the connection limit, and bounded message pages.
#include "adapters/storage/memory_storage.hpp"
#include "tests/server/server_test_support.hpp"
#include "tests/support/net/http_probe.hpp"
#include "tests/support/net/send_until_pushed_back.hpp"

#include <condition_variable>
#include <future>
#include <mutex>

using namespace so::test;
using namespace so::test::srv;

namespace {

namespace adapters = so::adapters;

/// Memory storage whose `get_session` waits while the gate is closed: a connection
/// actor that looks up an unknown session then awaits storage, and every frame behind
/// it stays in its mailbox (in flight).
class gated_storage final : public adapters::storage {
 public:
  void close_gate() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  /// Blocks until a get_session call is waiting at the closed gate.
  bool wait_blocked(milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return waiting_ > 0; });
  }

  adapters::conversation create_conversation(adapters::conversation c) override {
    return inner_.create_conversation(std::move(c));
  }
  std::optional<adapters::conversation> get_conversation(const std::string& id) override {
    return inner_.get_conversation(id);
  }
  std::vector<adapters::conversation> list_conversations_by_org(const std::string& org) override {
    return inner_.list_conversations_by_org(org);
  }
  adapters::conversation update_conversation(const std::string& id,
                                             const adapters::conversation_update& u) override {
    return inner_.update_conversation(id, u);
  }
  adapters::participant add_participant(adapters::participant p) override {
    return inner_.add_participant(std::move(p));
  }
  std::optional<adapters::participant> get_participant(const std::string& id) override {
    return inner_.get_participant(id);
  }
  std::vector<adapters::participant> list_participants_by_conversation(
      const std::string& conv) override {
    return inner_.list_participants_by_conversation(conv);
  }
  std::optional<adapters::participant> resolve_participant_by_external_id(
      const std::string& conv, const std::string& external_id) override {
    return inner_.resolve_participant_by_external_id(conv, external_id);
  }
  adapters::message append_message(adapters::message m) override {
    return inner_.append_message(std::move(m));
  }
  std::optional<adapters::message> get_message(const std::string& id) override {
    return inner_.get_message(id);
  }
  adapters::message_page list_messages(const adapters::message_query& q) override {
    return inner_.list_messages(q);
  }
  adapters::session create_session(adapters::session s) override {
    return inner_.create_session(std::move(s));
  }
  std::optional<adapters::session> get_session(const std::string& id) override {
    std::unique_lock lock(mutex_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    --waiting_;
    lock.unlock();
    return inner_.get_session(id);
  }
  adapters::session update_session(const std::string& id,
                                   const adapters::session_update& u) override {
    return inner_.update_session(id, u);
  }
  std::vector<adapters::session> list_sessions_by_conversation(const std::string& conv) override {
    return inner_.list_sessions_by_conversation(conv);
  }
  bool claim_turn(const std::string& id, const std::string& owner,
                  std::chrono::milliseconds ttl) override {
    return inner_.claim_turn(id, owner, ttl);
  }
  bool renew_turn(const std::string& id, const std::string& owner,
                  std::chrono::milliseconds ttl) override {
    return inner_.renew_turn(id, owner, ttl);
  }
  bool release_turn(const std::string& id, const std::string& owner) override {
    return inner_.release_turn(id, owner);
  }

 private:
  adapters::memory_storage inner_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

std::string padded_ping(int i, std::size_t size) {
  std::string frame = R"({"action":"ping","requestId":"p)" + std::to_string(i) + R"(","pad":")";
  frame.append(size - frame.size() - 2, 'x');
  frame += R"("})";
  return frame;
}

}  // namespace

TEST_CASE(
    "limits: a client pipelining large frames behind a slow storage call is pushed back, "
    "others keep getting pongs, and every frame is answered in order",
    "[server][limits]") {
  auto storage = std::make_shared<gated_storage>();
  auto o = local_options();
  o.storage = storage;
  o.config.max_inbound_frames = 1000;
  o.config.max_inbound_bytes = 256 * 1024;
  o.config.max_frame_bytes = 64 * 1024;
  o.config.max_frames_per_sec = 0;
  so::net::server server(o);
  const std::size_t frame_size = 32 * 1024;

  auto flooder = connect_to(server);
  storage->close_gate();
  // The connection actor awaits storage for this lookup: frames behind it stay in flight.
  flooder.send_text(R"({"action":"get_session","requestId":"slow","sessionId":"nowhere"})");
  REQUIRE(storage->wait_blocked(5000ms));

  const auto pushed_back = send_until_pushed_back(
      flooder, [&](int i) { return padded_ping(i, frame_size); }, 4000);
  REQUIRE(pushed_back);           // without the credit the server would have read everything
  const int sent = *pushed_back;  // the blocked write completes later

  CHECK(eventually([&] { return server.stats().inbound_pauses >= 1; }));
  CHECK(server.stats().inbound_peak_bytes <= o.config.max_inbound_bytes + frame_size);

  // Another connection is served meanwhile.
  auto other = connect_to(server);
  for (int i = 0; i < 3; ++i) expect_alive(other, "other-" + std::to_string(i));

  // Storage answers: the lookup's reply first, then every pong in request order.
  storage->open_gate();
  auto first = next(flooder, 10000ms);
  CHECK(str(first, "/requestId") == "slow");
  CHECK(str(first, "/error/code") == "SESSION_NOT_FOUND");
  for (int i = 0; i < sent; ++i) {
    auto pong = next(flooder, 10000ms);
    REQUIRE(str(pong, "/type") == "pong");
    REQUIRE(str(pong, "/requestId") == "p" + std::to_string(i));
  }
  CHECK(server.stats().inbound_peak_bytes <= o.config.max_inbound_bytes + frame_size);
}

TEST_CASE(
    "limits: frames over SMOOTH_AGENT_MAX_FRAMES_PER_SEC get one RATE_LIMITED error per "
    "second and the socket stays open",
    "[server][limits]") {
  auto o = local_options();
  o.config.max_frames_per_sec = 5;
  so::net::server server(o);
  auto c = connect_to(server);
  const int burst = 30;
  for (int i = 0; i < burst; ++i)
    c.send_text(R"({"action":"ping","requestId":"b)" + std::to_string(i) + R"("})");

  int pongs = 0;
  int errors = 0;
  // A burst spans one or two one-second windows: at most 10 pass.
  while (true) {
    auto text = c.read(pongs + errors == 0 ? 5000ms : 300ms);
    if (!text) break;
    auto d = parse(*text);
    if (str(d, "/type") == "pong") {
      CHECK(str(d, "/requestId") == "b" + std::to_string(pongs));
      ++pongs;
    } else {
      check_error(d, "RATE_LIMITED", std::nullopt, std::nullopt);
      CHECK(str(d, "/error/message").find("5 frames per second") != std::string::npos);
      ++errors;
    }
  }
  CHECK(pongs >= 5);
  CHECK(pongs <= 10);
  CHECK(errors >= 1);
  CHECK(errors <= 2);  // one per window, not one per dropped frame
  CHECK(server.stats().rate_limited_frames == static_cast<std::uint64_t>(burst - pongs));
  REQUIRE_FALSE(c.closed().has_value());

  // Within a later window the connection is served again.
  bool answered = false;
  for (int attempt = 0; attempt < 30 && !answered; ++attempt) {
    c.send_text(R"({"action":"ping","requestId":"later"})");
    for (auto text = c.read(100ms); text; text = c.read(100ms)) {
      if (text->find(R"("requestId":"later")") != std::string::npos &&
          text->find("pong") != std::string::npos)
        answered = true;
    }
  }
  CHECK(answered);
}

TEST_CASE(
    "limits: SMOOTH_AGENT_MAX_CONNECTIONS refuses the upgrade with 503 while the others "
    "are served",
    "[server][limits]") {
  auto o = local_options();
  o.config.max_connections = 1;
  so::net::server server(o);
  auto c = connect_to(server);
  expect_alive(c, "first");

  const auto reply = ws_upgrade_reply("127.0.0.1", server.port());
  CHECK(reply.status == 503);
  CHECK(reply.body.find("server_full") != std::string::npos);
  CHECK(server.stats().connections_refused == 1);
  CHECK(http_get("127.0.0.1", server.port(), "/health").first == 200);
  expect_alive(c, "still");
}

TEST_CASE(
    "limits: get_conversation_messages pages stay under the outbound bound and continue "
    "with nextCursor, and limit above 100 is served as 100",
    "[server][limits]") {
  auto storage = std::make_shared<adapters::memory_storage>();
  auto o = local_options();
  o.storage = storage;
  o.config.max_outbound_bytes = 64 * 1024;  // page budget: 32 KiB
  so::net::server server(o);
  auto c = connect_to(server);
  auto s = create_session(c);

  // 30 messages of 6 KB (180 KB in all): far more than one 64 KiB-bounded frame.
  const int total = 30;
  for (int i = 0; i < total; ++i) {
    adapters::message m;
    m.id = "m-" + std::to_string(100 + i);
    m.conversation_id = s.conversation_id;
    m.direction = i % 2 ? so::protocol::direction::outbound : so::protocol::direction::inbound;
    m.content =
        so::protocol::message_content::from_text(std::to_string(i) + std::string(6000, 'w'));
    m.created_at = std::chrono::system_clock::now();
    storage->append_message(m);
  }

  std::vector<std::string> ids;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    std::string req = R"({"action":"get_conversation_messages","requestId":"pg","sessionId":")" +
                      s.session_id + R"(","limit":500)";
    if (cursor) req += R"(,"cursor":")" + *cursor + R"(")";
    c.send_text(req + "}");
    auto text = c.read();
    REQUIRE(text.has_value());
    CHECK(text->size() <= 32 * 1024);
    auto d = parse(*text);
    REQUIRE(str(d, "/message") == "ConversationMessages");
    const auto& msgs = *at(d, "/data/messages");
    REQUIRE(msgs.Size() > 0);
    for (const auto& m : msgs.GetArray()) ids.emplace_back(m["id"].GetString());
    const auto* next_cursor = at(d, "/data/nextCursor");
    REQUIRE(next_cursor != nullptr);
    cursor = next_cursor->IsString() ? std::optional<std::string>(next_cursor->GetString())
                                     : std::nullopt;
    CHECK(at(d, "/data/hasMore")->GetBool() == cursor.has_value());
    ++pages;
  } while (cursor && pages < 50);
  CHECK(pages > 1);
  REQUIRE(ids.size() == static_cast<std::size_t>(total));
  for (int i = 0; i < total; ++i) CHECK(ids[i] == "m-" + std::to_string(100 + total - 1 - i));
  REQUIRE_FALSE(c.closed().has_value());

  // `limit` over 100 is capped: 150 small messages come back as 100 plus a cursor.
  auto c2 = connect_to(server);
  auto s2 = create_session(c2);
  for (int i = 0; i < 150; ++i) {
    adapters::message m;
    m.id = "n-" + std::to_string(1000 + i);
    m.conversation_id = s2.conversation_id;
    m.content = so::protocol::message_content::from_text("short");
    m.created_at = std::chrono::system_clock::now();
    storage->append_message(m);
  }
  c2.send_text(R"({"action":"get_conversation_messages","requestId":"big","sessionId":")" +
               s2.session_id + R"(","limit":1000})");
  auto d = next(c2);
  CHECK(at(d, "/data/messages")->Size() == 100);
  CHECK(str(d, "/data/nextCursor") == "n-1050");
}
