// tests/server/conversations_test.cpp — the conversation actions of the later protocol
// (later-protocol.md §2.1 resume, §2.2 list_conversations, §2.5 rename_conversation, §2.6
// auto-title; decisions.md "Newer protocol"), end to end over WebSocket with in-memory
// storage and a scripted LLM.
#include "adapters/storage/memory_storage.hpp"
#include "adapters/storage/new_session.hpp"
#include "adapters/storage/postgres_storage.hpp"
#include "tests/server/ws_identity_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg/test_database.hpp"

#include <atomic>
#include <condition_variable>

namespace so::test::conversations {
namespace {

using namespace std::chrono_literals;
using identity::connect_as;
using identity::make_principal;
using identity::map_authenticator;
using turns::expect;
using turns::frame;
using turns::quote;
namespace llm = adapters::llm;

std::map<std::string, adapters::auth::principal> people() {
  return {
      {"tok-alice", make_principal("u-alice", "acme", "alice@acme.test")},
      {"tok-alice-upper", make_principal("u-alice-2", "acme", "ALICE@ACME.TEST")},
      {"tok-bob", make_principal("u-bob", "acme", "bob@acme.test")},
      {"tok-carol", make_principal("u-carol", "acme")},  // no email: denied
      {"tok-alice-globex", make_principal("u-alice-g", "globex", "alice@acme.test")},
      {"tok-dave-globex", make_principal("u-dave", "globex", "dave@globex.test")},
  };
}

/// A scripted provider that, for calls on the title model, parks the call until the test
/// answers it (`answer_title`), so a test can act while the auto-title is in flight.
class title_holding_provider final : public llm::provider {
 public:
  title_holding_provider(std::shared_ptr<llm::scripted_provider> inner, std::string title_model)
      : inner_(std::move(inner)), title_model_(std::move(title_model)) {}

  std::shared_ptr<llm::stream_handle> stream(const llm::chat_request& request,
                                             llm::stream_sink sink) override {
    if (request.model != title_model_) return inner_->stream(request, std::move(sink));
    std::lock_guard lock(mu_);
    title_requests_.push_back(request);
    title_sinks_.push_back(std::move(sink));
    cv_.notify_all();
    return std::make_shared<no_handle>();
  }

  bool wait_title_calls(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return title_requests_.size() >= n; });
  }
  std::vector<llm::chat_request> title_requests() const {
    std::lock_guard lock(mu_);
    return title_requests_;
  }
  /// Streams `text` as the answer of the oldest unanswered title call.
  void answer_title(const std::string& text) {
    llm::stream_sink sink;
    {
      std::lock_guard lock(mu_);
      REQUIRE(answered_ < title_sinks_.size());
      sink = title_sinks_[answered_++];
    }
    sink(llm::content_delta{text});
    sink(llm::finish_seen{"stop"});
    sink(llm::stream_complete{});
  }

 private:
  struct no_handle final : llm::stream_handle {
    void cancel() override {}
  };
  std::shared_ptr<llm::scripted_provider> inner_;
  std::string title_model_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<llm::chat_request> title_requests_;
  std::vector<llm::stream_sink> title_sinks_;
  std::size_t answered_ = 0;
};

/// The in-memory adapter, recording the outcome of every auto-title write so a test can
/// wait for the titler's write instead of guessing when it happened.
class title_probe_storage final : public adapters::storage {
 public:
  explicit title_probe_storage(
      std::shared_ptr<adapters::storage> inner = std::make_shared<adapters::memory_storage>())
      : inner_(std::move(inner)) {}
  bool may_block() const override { return inner_->may_block(); }
  /// Waits until `n` title writes returned; their results in call order.
  std::optional<std::vector<bool>> wait_title_writes(std::size_t n,
                                                     std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return writes_.size() >= n; })) return std::nullopt;
    return writes_;
  }
  bool set_default_title(const std::string& id, const std::string& title) override {
    const bool written = inner_->set_default_title(id, title);
    std::lock_guard lock(mu_);
    writes_.push_back(written);
    cv_.notify_all();
    return written;
  }
  std::vector<adapters::conversation_summary> list_conversation_summaries(
      const adapters::conversation_list_query& q) override {
    return inner_->list_conversation_summaries(q);
  }
  adapters::conversation create_conversation(adapters::conversation c) override {
    return inner_->create_conversation(std::move(c));
  }
  std::optional<adapters::conversation> get_conversation(const std::string& id) override {
    return inner_->get_conversation(id);
  }
  std::vector<adapters::conversation> list_conversations_by_org(const std::string& org) override {
    return inner_->list_conversations_by_org(org);
  }
  adapters::conversation update_conversation(const std::string& id,
                                             const adapters::conversation_update& u) override {
    return inner_->update_conversation(id, u);
  }
  adapters::participant add_participant(adapters::participant p) override {
    return inner_->add_participant(std::move(p));
  }
  std::optional<adapters::participant> get_participant(const std::string& id) override {
    return inner_->get_participant(id);
  }
  std::vector<adapters::participant> list_participants_by_conversation(
      const std::string& conv) override {
    return inner_->list_participants_by_conversation(conv);
  }
  std::optional<adapters::participant> resolve_participant_by_external_id(
      const std::string& conv, const std::string& external_id) override {
    return inner_->resolve_participant_by_external_id(conv, external_id);
  }
  adapters::message append_message(adapters::message m) override {
    return inner_->append_message(std::move(m));
  }
  std::optional<adapters::message> get_message(const std::string& id) override {
    return inner_->get_message(id);
  }
  adapters::message_page list_messages(const adapters::message_query& q) override {
    return inner_->list_messages(q);
  }
  adapters::session create_session(adapters::session s) override {
    return inner_->create_session(std::move(s));
  }
  std::optional<adapters::session> get_session(const std::string& id) override {
    return inner_->get_session(id);
  }
  adapters::session update_session(const std::string& id,
                                   const adapters::session_update& u) override {
    return inner_->update_session(id, u);
  }
  std::vector<adapters::session> list_sessions_by_conversation(const std::string& conv) override {
    return inner_->list_sessions_by_conversation(conv);
  }
  std::optional<adapters::session> create_session_records(
      adapters::new_session_records&& r) override {
    return inner_->create_session_records(std::move(r));
  }
  bool claim_turn(const std::string& id, const std::string& owner,
                  std::chrono::milliseconds ttl) override {
    return inner_->claim_turn(id, owner, ttl);
  }
  bool renew_turn(const std::string& id, const std::string& owner,
                  std::chrono::milliseconds ttl) override {
    return inner_->renew_turn(id, owner, ttl);
  }
  bool release_turn(const std::string& id, const std::string& owner) override {
    return inner_->release_turn(id, owner);
  }

 private:
  std::shared_ptr<adapters::storage> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> writes_;
};

struct server_under_test {
  std::shared_ptr<title_probe_storage> storage;
  std::shared_ptr<llm::scripted_provider> script;
  std::shared_ptr<title_holding_provider> titles;
  std::unique_ptr<net::server> server;

  /// `multi_user`: the map authenticator in multi-user mode (scopes apply); `gateway_key`:
  /// the env key (auto-titling needs one); `title_model`: SMOOTH_AGENT_TITLE_MODEL.
  explicit server_under_test(bool multi_user, std::string gateway_key = "",
                             std::optional<std::string> title_model = std::nullopt,
                             std::shared_ptr<adapters::storage> backing = nullptr) {
    storage = backing ? std::make_shared<title_probe_storage>(std::move(backing))
                      : std::make_shared<title_probe_storage>();
    script = std::make_shared<llm::scripted_provider>();
    auto o = turns::base_options();
    o.config.title_model = title_model.value_or("groq-gpt-oss-20b");  // the default
    o.config.gateway_key = std::move(gateway_key);
    titles = std::make_shared<title_holding_provider>(script, o.config.title_model);
    o.storage = storage;
    o.llm_override = titles;
    o.authenticator = std::make_shared<map_authenticator>(people(), !multi_user);
    server = std::make_unique<net::server>(std::move(o));
  }
};

std::string create_frame(const std::string& rid, const std::optional<std::string>& conversation_id,
                         const std::optional<std::string>& user_email = std::nullopt) {
  std::string text = R"({"action":"create_conversation_session","requestId":)" + quote(rid) +
                     R"(,"agentId":")" + turns::kAgentId + "\"";
  if (conversation_id) text += R"(,"conversationId":)" + quote(*conversation_id);
  if (user_email) text += R"(,"userEmail":)" + quote(*user_email);
  return text + "}";
}

frame create(ws_client& ws, const std::optional<std::string>& conversation_id = std::nullopt,
             const std::optional<std::string>& user_email = std::nullopt) {
  ws.send_text(create_frame("r-create", conversation_id, user_email));
  auto f = expect(ws, "immediate_response");
  INFO("create: " << f.text());
  REQUIRE(f.integer("/status") == 200);
  REQUIRE(f.str("/message") == "Session created");
  return f;
}

/// One whole turn answered `reply`.
void turn(server_under_test& s, ws_client& ws, const std::string& sid, const std::string& message,
          const std::string& reply, const std::string& rid = "r-turn") {
  s.script->push(turns::text(reply));
  turns::start_turn(ws, sid, rid, message);
  auto frames = turns::read_turn(ws, rid);
  turns::require_reply(frames.back(), rid, reply);
}

frame list(ws_client& ws, std::optional<int> limit = std::nullopt) {
  std::string text = R"({"action":"list_conversations","requestId":"r-list")";
  if (limit) text += R"(,"limit":)" + std::to_string(*limit);
  ws.send_text(text + "}");
  auto f = turns::next_frame(ws);
  INFO("list: " << f.text());
  REQUIRE(f.type() == "immediate_response");
  CHECK(f.rid() == "r-list");
  CHECK(f.integer("/status") == 200);
  CHECK(f.str("/message") == "Conversations");
  return f;
}

/// (conversationId, title) of each listed conversation, in list order.
std::vector<std::pair<std::string, std::string>> listed(const frame& f) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < f.size("/data/conversations"); ++i) {
    const auto at = "/data/conversations/" + std::to_string(i);
    out.emplace_back(f.str((at + "/conversationId").c_str()), f.str((at + "/title").c_str()));
  }
  return out;
}

frame rename(ws_client& ws, const std::string& conversation_id, const std::string& title_json) {
  ws.send_text(R"({"action":"rename_conversation","requestId":"r-rename","conversationId":)" +
               quote(conversation_id) + R"(,"title":)" + title_json + "}");
  return turns::next_frame(ws);
}

using pairs = std::vector<std::pair<std::string, std::string>>;

/// An event's text without its `timestamp` (two servers' clocks differ by a millisecond).
std::string without_timestamp(std::string text) {
  const auto at = text.find(",\"timestamp\":");
  if (at == std::string::npos) return text;
  auto end = at + 13;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return text.erase(at, end - at);
}

}  // namespace

TEST_CASE("conversations: list_conversations is scoped to the user and to the org",
          "[conversations]") {
  server_under_test s(/*multi_user=*/true);
  auto alice = connect_as(*s.server, "tok-alice");
  auto bob = connect_as(*s.server, "tok-bob");
  auto alice_globex = connect_as(*s.server, "tok-alice-globex");
  auto dave_globex = connect_as(*s.server, "tok-dave-globex");

  const auto a1 = create(*alice);
  turn(s, *alice, a1.str("/data/sessionId"), "How do I reset my password?", "Like this.");
  const auto a2 = create(*alice);
  turn(s, *alice, a2.str("/data/sessionId"), "Billing question", "Sure.");
  create(*alice);  // no message: never listed
  const auto b1 = create(*bob);
  turn(s, *bob, b1.str("/data/sessionId"), "Bob's question", "Bob's answer.");
  const auto g1 = create(*alice_globex);
  turn(s, *alice_globex, g1.str("/data/sessionId"), "Globex question", "Globex answer.");
  const auto d1 = create(*dave_globex);
  turn(s, *dave_globex, d1.str("/data/sessionId"), "Dave's question", "Dave's answer.");

  // Most recently active first; the title is the first user message (default name).
  const auto mine = list(*alice);
  CHECK(listed(mine) == pairs{{a2.str("/data/conversationId"), "Billing question"},
                              {a1.str("/data/conversationId"), "How do I reset my password?"}});
  CHECK(mine.integer("/data/conversations/0/messageCount") == 2);
  CHECK(mine.str("/data/conversations/0/updatedAt").size() >= 20);
  // The same email on another connection (case-insensitive) sees the same list.
  auto alice_again = connect_as(*s.server, "tok-alice-upper");
  CHECK(listed(list(*alice_again)) == listed(mine));
  CHECK(listed(list(*alice, 1)) == pairs{{a2.str("/data/conversationId"), "Billing question"}});

  CHECK(listed(list(*bob)) == pairs{{b1.str("/data/conversationId"), "Bob's question"}});
  // Alice's email in globex owns only what she has in globex; Dave sees only his.
  CHECK(listed(list(*alice_globex)) == pairs{{g1.str("/data/conversationId"), "Globex question"}});
  CHECK(listed(list(*dave_globex)) == pairs{{d1.str("/data/conversationId"), "Dave's question"}});

  // A denied connection (no email) lists only what it created itself on this socket.
  auto carol = connect_as(*s.server, "tok-carol");
  CHECK(list(*carol).size("/data/conversations") == 0);
  const auto c1 = create(*carol);
  turn(s, *carol, c1.str("/data/sessionId"), "Carol asks", "Carol is answered.");
  CHECK(listed(list(*carol)) == pairs{{c1.str("/data/conversationId"), "Carol asks"}});
  auto carol_again = connect_as(*s.server, "tok-carol");
  CHECK(list(*carol_again).size("/data/conversations") == 0);
  turns::require_quiescent(*s.server);
}

TEST_CASE("conversations: unscoped (single-user) lists every conversation of the seed org",
          "[conversations]") {
  server_under_test s(/*multi_user=*/false);
  auto ws = turns::connect(*s.server);
  const auto one = create(*ws);
  turn(s, *ws, one.str("/data/sessionId"), std::string(100, 'x'), "ok");
  const auto two = create(*ws);
  turn(s, *ws, two.str("/data/sessionId"), "  second  ", "ok");
  auto other = turns::connect(*s.server);
  const auto f = list(*other);
  // A 100-character message without spaces: 60 characters and the ellipsis.
  CHECK(listed(f) == pairs{{two.str("/data/conversationId"), "second"},
                           {one.str("/data/conversationId"), std::string(60, 'x') + "\u2026"}});
}

TEST_CASE(
    "conversations: rename_conversation sanitizes, answers the spec's errors, and the list "
    "shows the new title",
    "[conversations]") {
  server_under_test s(/*multi_user=*/true);
  server_under_test ghost(/*multi_user=*/true);
  auto alice = connect_as(*s.server, "tok-alice");
  const auto a = create(*alice);
  const auto conv = a.str("/data/conversationId");
  turn(s, *alice, a.str("/data/sessionId"), "first message", "reply");

  auto ok = rename(*alice, conv, quote("  \"Password   reset\"  "));
  INFO("rename: " << ok.text());
  CHECK(ok.type() == "immediate_response");
  CHECK(ok.rid() == "r-rename");
  CHECK(ok.integer("/status") == 200);
  CHECK(ok.str("/message") == "Conversation renamed");
  CHECK(ok.str("/data/conversationId") == conv);
  CHECK(ok.str("/data/title") == "Password reset");
  CHECK(s.storage->get_conversation(conv)->name == "Password reset");
  CHECK(listed(list(*alice)) == pairs{{conv, "Password reset"}});

  turns::require_error(rename(*alice, conv, quote(" \"\" ")), "VALIDATION_ERROR",
                       "rename_conversation requires a non-empty 'title'", "r-rename");
  turns::require_error(rename(*alice, conv, "42"), "VALIDATION_ERROR",
                       "rename_conversation requires a non-empty 'title'", "r-rename");
  alice->send_text(R"({"action":"rename_conversation","requestId":"r-rename","title":"x"})");
  turns::require_error(turns::next_frame(*alice), "VALIDATION_ERROR",
                       "rename_conversation requires a 'conversationId'", "r-rename");
  turns::require_error(rename(*alice, "no-such-conversation", quote("x")), "CONVERSATION_NOT_FOUND",
                       "conversation 'no-such-conversation' not found", "r-rename");

  // Another user, and the same email in another org: exactly like an unknown id.
  for (const char* token : {"tok-bob", "tok-alice-globex", "tok-carol"}) {
    INFO(token);
    auto outsider = connect_as(*s.server, token);
    auto nobody = connect_as(*ghost.server, token);
    const auto missing = rename(*nobody, conv, quote("Stolen")).text();
    CHECK(frame(missing).str("/error/code") == "CONVERSATION_NOT_FOUND");
    CHECK(without_timestamp(rename(*outsider, conv, quote("Stolen")).text()) ==
          without_timestamp(missing));
  }
  CHECK(s.storage->get_conversation(conv)->name == "Password reset");
}

TEST_CASE("conversations: resume by conversationId replays the history in a new session",
          "[conversations]") {
  server_under_test s(/*multi_user=*/false);
  auto first = turns::connect(*s.server);
  const auto created = create(*first);
  const auto conv = created.str("/data/conversationId");
  const auto sid1 = created.str("/data/sessionId");
  turn(s, *first, sid1, "my name is Ada", "Hello Ada.");
  first.reset();

  auto again = turns::connect(*s.server);
  const auto resumed = create(*again, conv);
  const auto sid2 = resumed.str("/data/sessionId");
  CHECK(resumed.str("/data/conversationId") == conv);
  CHECK(sid2 != sid1);
  // The same (anonymous) user and the same agent come back: participants are reused.
  CHECK(resumed.str("/data/userParticipantId") == created.str("/data/userParticipantId"));
  CHECK(resumed.str("/data/agentParticipantId") == created.str("/data/agentParticipantId"));
  CHECK(s.storage->list_participants_by_conversation(conv).size() == 2);
  CHECK(s.storage->list_conversations_by_org("reference-org").size() == 1);  // none created

  CHECK(turns::stored_messages(*again, sid2) ==
        turns::stored{{"inbound", "my name is Ada"}, {"outbound", "Hello Ada."}});
  again->send_text(R"({"action":"get_session","requestId":"r-get","sessionId":)" + quote(sid2) +
                   "}");
  CHECK(expect(*again, "immediate_response").str("/data/threadId") == conv);

  // The next turn sees the earlier exchange.
  turn(s, *again, sid2, "what is my name?", "Ada.");
  const auto reqs = s.script->requests();
  REQUIRE(reqs.size() == 2);
  bool saw_history = false;
  for (const auto& m : reqs[1].messages)
    if (m.role == llm::role::assistant && m.content == "Hello Ada.") saw_history = true;
  CHECK(saw_history);

  // A new email (or another agent) adds a participant; the old ones stay.
  auto with_email = turns::connect(*s.server);
  const auto owned = create(*with_email, conv, std::string("ada@example.test"));
  CHECK(owned.str("/data/conversationId") == conv);
  CHECK(owned.str("/data/userParticipantId") != created.str("/data/userParticipantId"));
  CHECK(owned.str("/data/agentParticipantId") == created.str("/data/agentParticipantId"));
  CHECK(s.storage->list_participants_by_conversation(conv).size() == 3);
  turns::require_quiescent(*s.server);
}

TEST_CASE("conversations: resume adopts the conversation's org", "[conversations]") {
  server_under_test s(/*multi_user=*/false);  // single-user: unscoped, the token sets the org
  auto acme = connect_as(*s.server, "tok-alice");
  const auto created = create(*acme);
  const auto conv = created.str("/data/conversationId");
  CHECK(s.storage->get_conversation(conv)->organization_id == "acme");

  auto anonymous = turns::connect(*s.server);  // its own new sessions go to reference-org
  const auto resumed = create(*anonymous, conv);
  REQUIRE(resumed.str("/data/conversationId") == conv);
  const auto session = s.storage->get_session(resumed.str("/data/sessionId"));
  REQUIRE(session);
  CHECK(session->organization_id == "acme");
}

TEST_CASE("conversations: an unknown or unreadable conversationId silently mints a fresh one",
          "[conversations]") {
  server_under_test s(/*multi_user=*/true);
  auto alice = connect_as(*s.server, "tok-alice");
  const auto mine = create(*alice);
  const auto conv = mine.str("/data/conversationId");

  for (const std::string unknown :
       {"no-such-conversation", "00000000-0000-4000-8000-000000000000"}) {
    const auto fresh = create(*alice, unknown);
    CHECK(fresh.str("/data/conversationId") != unknown);
    CHECK(fresh.str("/data/conversationId").size() == 36);
    CHECK(s.storage->get_conversation(fresh.str("/data/conversationId")));
  }
  // Bob, the same email in globex, and a denied connection cannot resume Alice's.
  for (const char* token : {"tok-bob", "tok-alice-globex", "tok-carol"}) {
    INFO(token);
    auto outsider = connect_as(*s.server, token);
    const auto fresh = create(*outsider, conv);
    CHECK(fresh.str("/data/conversationId") != conv);
  }
  CHECK(s.storage->list_participants_by_conversation(conv).size() == 2);
  // Alice on another connection resumes it.
  auto alice_again = connect_as(*s.server, "tok-alice-upper");
  CHECK(create(*alice_again, conv).str("/data/conversationId") == conv);
}

TEST_CASE(
    "conversations: the first successful turn auto-titles a default-named conversation, "
    "emitting nothing",
    "[conversations][title]") {
  server_under_test s(/*multi_user=*/false, "test-key");
  auto ws = turns::connect(*s.server);
  const auto created = create(*ws);
  const auto conv = created.str("/data/conversationId");
  turn(s, *ws, created.str("/data/sessionId"), "How do I reset my password?", "Click reset.");

  REQUIRE(s.titles->wait_title_calls(1));
  const auto req = s.titles->title_requests().at(0);
  CHECK(req.model == "groq-gpt-oss-20b");
  CHECK(req.max_tokens == 512);
  CHECK(req.temperature == Approx(0.3));
  REQUIRE(req.messages.size() == 1);
  CHECK(req.messages[0].role == llm::role::user);
  CHECK(req.messages[0].content ==
        "Give this conversation a short 3-6 word title. Reply with ONLY the title, no quotes."
        "\n\nUser: How do I reset my password?\nAssistant: Click reset.");
  s.titles->answer_title("  \"**Password Reset Help**\"\n");
  CHECK(s.storage->wait_title_writes(1) ==
        std::optional<std::vector<bool>>(std::vector<bool>{true}));
  CHECK(s.storage->get_conversation(conv)->name == "Password Reset Help");
  // Nothing reached the client: the next frame is the pong.
  turns::require_pong_next(*ws);
  CHECK(listed(list(*ws)) == pairs{{conv, "Password Reset Help"}});

  // A titled conversation is not titled again.
  turn(s, *ws, created.str("/data/sessionId"), "thanks", "You're welcome.", "r-turn-2");
  turns::require_quiescent(*s.server);
  turns::require_pong_next(*ws, "r-ping-2");
  CHECK(s.titles->title_requests().size() == 1);
}

TEST_CASE(
    "conversations: a manual rename that lands while the auto-title is in flight is never "
    "overwritten",
    "[conversations][title]") {
  server_under_test s(/*multi_user=*/false, "test-key");
  auto ws = turns::connect(*s.server);
  const auto created = create(*ws);
  const auto conv = created.str("/data/conversationId");
  turn(s, *ws, created.str("/data/sessionId"), "hello", "hi");
  REQUIRE(s.titles->wait_title_calls(1));

  CHECK(rename(*ws, conv, quote("My own title")).integer("/status") == 200);
  s.titles->answer_title("Auto Title");
  // The titler's conditional write is refused: the rename landed first.
  CHECK(s.storage->wait_title_writes(1) ==
        std::optional<std::vector<bool>>(std::vector<bool>{false}));
  CHECK(s.storage->get_conversation(conv)->name == "My own title");
  CHECK(listed(list(*ws)) == pairs{{conv, "My own title"}});
  // Nothing reached the client, and a later turn starts no title call.
  turns::require_pong_next(*ws);
  turn(s, *ws, created.str("/data/sessionId"), "again", "sure", "r-turn-2");
  turns::require_quiescent(*s.server);
  CHECK(s.titles->title_requests().size() == 1);
}

TEST_CASE(
    "conversations: an empty SMOOTH_AGENT_TITLE_MODEL disables auto-titling, so does a "
    "missing gateway key",
    "[conversations][title]") {
  for (const bool keyless : {false, true}) {
    INFO("keyless: " << keyless);
    server_under_test s(/*multi_user=*/false, keyless ? "" : "test-key",
                        keyless ? std::nullopt : std::optional<std::string>(""));
    auto ws = turns::connect(*s.server);
    const auto created = create(*ws);
    const auto conv = created.str("/data/conversationId");
    turn(s, *ws, created.str("/data/sessionId"), "hello", "hi");
    turn(s, *ws, created.str("/data/sessionId"), "hello again", "hi again", "r-turn-2");
    CHECK_FALSE(s.titles->wait_title_calls(1, 300ms));
    CHECK(s.storage->get_conversation(conv)->name == "Session " + created.str("/data/sessionId"));
  }
}

TEST_CASE(
    "conversations on postgres: scoped list, auto-title and rename race, resume after a "
    "restart",
    "[conversations][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  pg::fresh_database db(server_url);
  auto pg_storage = [&] {
    adapters::postgres_storage::options o;
    o.max_connections = 2;
    return std::make_shared<adapters::postgres_storage>(db.url(), o);
  };
  std::string alice_conv, bob_conv, alice_user;
  {
    server_under_test s(/*multi_user=*/true, "test-key", std::nullopt, pg_storage());
    auto alice = connect_as(*s.server, "tok-alice");
    auto bob = connect_as(*s.server, "tok-bob");
    const auto a = create(*alice);
    alice_conv = a.str("/data/conversationId");
    alice_user = a.str("/data/userParticipantId");
    turn(s, *alice, a.str("/data/sessionId"), "How do I reset my password?", "Click reset.");
    REQUIRE(s.titles->wait_title_calls(1));
    s.titles->answer_title("Password Reset");
    REQUIRE(s.storage->wait_title_writes(1) ==
            std::optional<std::vector<bool>>(std::vector<bool>{true}));

    const auto b = create(*bob);
    bob_conv = b.str("/data/conversationId");
    turn(s, *bob, b.str("/data/sessionId"), "Bob asks", "Bob is answered.");
    REQUIRE(s.titles->wait_title_calls(2));
    CHECK(rename(*bob, bob_conv, quote("Bob's own")).integer("/status") == 200);
    s.titles->answer_title("Auto Title");
    CHECK(s.storage->wait_title_writes(2) ==
          std::optional<std::vector<bool>>(std::vector<bool>{true, false}));

    CHECK(listed(list(*alice)) == pairs{{alice_conv, "Password Reset"}});
    CHECK(listed(list(*bob)) == pairs{{bob_conv, "Bob's own"}});
    turns::require_error(rename(*bob, alice_conv, quote("mine now")), "CONVERSATION_NOT_FOUND",
                         "conversation '" + alice_conv + "' not found", "r-rename");
    turns::require_quiescent(*s.server);
  }  // the first server is gone; only the database remembers

  server_under_test s(/*multi_user=*/true, "", std::nullopt, pg_storage());
  auto alice = connect_as(*s.server, "tok-alice-upper");
  const auto resumed = create(*alice, alice_conv);
  CHECK(resumed.str("/data/conversationId") == alice_conv);
  CHECK(resumed.str("/data/userParticipantId") == alice_user);
  const auto sid = resumed.str("/data/sessionId");
  CHECK(turns::stored_messages(*alice, sid) ==
        turns::stored{{"inbound", "How do I reset my password?"}, {"outbound", "Click reset."}});
  turn(s, *alice, sid, "and then?", "Then log in.");
  std::string seen;
  const auto requests = s.script->requests();
  REQUIRE(requests.size() == 1);
  for (const auto& m : requests[0].messages) seen += m.content + "|";
  CHECK(seen.find("Click reset.") != std::string::npos);
  CHECK(listed(list(*alice)) == pairs{{alice_conv, "Password Reset"}});
  // Bob cannot resume Alice's conversation: he gets a fresh one.
  auto bob = connect_as(*s.server, "tok-bob");
  CHECK(create(*bob, alice_conv).str("/data/conversationId") != alice_conv);
}

}  // namespace so::test::conversations
