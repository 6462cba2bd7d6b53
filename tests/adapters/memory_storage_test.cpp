// tests/adapters/memory_storage_test.cpp — memory_storage against the shared storage
// contract, plus what only the in-memory adapter promises.
#include "adapters/storage/memory_storage.hpp"
#include "adapters/storage/new_session.hpp"
#include "tests/adapters/storage_contract.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace so::adapters;
using so::adapters::contract::at_ms;

TEST_CASE("memory_storage satisfies the storage contract", "[storage]") {
  contract::run_storage_contract([] { return std::make_shared<memory_storage>(); });
}

TEST_CASE("memory_storage stamps updatedAt from its clock", "[storage]") {
  auto clock = std::make_shared<so::protocol::manual_clock>(at_ms(0));
  memory_storage s(clock);
  s.create_conversation(contract::make_conversation("conv-1", "org-1", "k"));
  s.create_session(contract::make_session("sess-1", "conv-1", 0));

  clock->advance(std::chrono::milliseconds(1500));
  conversation_update cu;
  cu.name = "n";
  CHECK(s.update_conversation("conv-1", cu).updated_at == at_ms(1500));
  CHECK(s.get_conversation("conv-1")->created_at == at_ms(0));

  clock->advance(std::chrono::milliseconds(500));
  session_update su;
  su.status = "idle";
  CHECK(s.update_session("sess-1", su).updated_at == std::optional(at_ms(2000)));
  CHECK(s.get_session("sess-1")->updated_at == std::optional(at_ms(2000)));
}

TEST_CASE("memory_storage lists a session without createdAt first", "[storage]") {
  memory_storage s;
  s.create_session(contract::make_session("s-dated", "conv-1", 100));
  s.create_session(contract::make_session("s-undated", "conv-1", std::nullopt));
  auto list = s.list_sessions_by_conversation("conv-1");
  REQUIRE(list.size() == 2);
  CHECK(list[0].session_id == "s-undated");
  CHECK(list[1].session_id == "s-dated");
}

TEST_CASE("memory_storage conflict messages name the kind and the id", "[storage]") {
  memory_storage s;
  s.add_participant(contract::make_participant("p-1", "c", "user"));
  CHECK_THROWS_WITH(s.add_participant(contract::make_participant("p-1", "c", "user")),
                    "conflict: participant id 'p-1' already exists");
}

TEST_CASE("memory_storage is safe to share between threads", "[storage]") {
  memory_storage s;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&s, t] {
      for (int i = 0; i < kPerThread; ++i) {
        s.append_message(
            contract::make_message(std::string("t") + std::to_string(t) + "-" + std::to_string(i),
                                   std::string("conv-shared"), "x"));
        s.list_messages(contract::page_query("conv-shared", 5, std::nullopt, true));
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = s.list_messages(contract::page_query("conv-shared", 10'000));
  CHECK(all.messages.size() == kThreads * kPerThread);
  CHECK_FALSE(all.next_cursor);
}

TEST_CASE(
    "memory_storage: a new session's records name the colliding id, and a replayed key keeps its "
    "conversation",
    "[storage]") {
  memory_storage s;
  new_session_records r;
  r.conversation = contract::make_conversation("conv-1", "org-1", "sess-1");
  r.user = contract::make_participant("p-user", "conv-1", "user");
  r.agent = contract::make_participant("p-agent", "conv-1", "ai-agent");
  r.session = contract::make_session("sess-1", "conv-1", 0);
  s.create_session(contract::make_session("sess-1", "conv-other", 0));
  CHECK_THROWS_WITH(persist_new_session(s, r),
                    "create session failed: conflict: session id 'sess-1' already exists");
  r.session.session_id = "sess-2";
  persist_new_session(s, r);

  // The same (org, idempotency key) again: the conversation row stays, the new
  // participants and session are written (persist_new_session's one-by-one order).
  auto again = r;
  again.conversation.id = "conv-ignored";
  again.conversation.name = "ignored";
  again.user.id = "p-user-2";
  again.agent.id = "p-agent-2";
  again.session.session_id = "sess-3";
  persist_new_session(s, again);
  CHECK_FALSE(s.get_conversation("conv-ignored"));
  CHECK(s.get_conversation("conv-1")->name == r.conversation.name);
  CHECK(s.list_sessions_by_conversation("conv-1").size() == 2);
}

TEST_CASE("memory_storage lists per conversation, whatever else the store holds", "[storage]") {
  memory_storage s;
  for (int i = 0; i < 50; ++i) {
    const auto conv = "conv-" + std::to_string(i % 5);
    s.add_participant(contract::make_participant("p-" + std::to_string(i), conv, "user"));
    s.create_session(contract::make_session("s-" + std::to_string(i), conv, i));
  }
  auto participants = s.list_participants_by_conversation("conv-3");
  REQUIRE(participants.size() == 10);
  for (const auto& p : participants) CHECK(p.conversation_id == "conv-3");
  auto sessions = s.list_sessions_by_conversation("conv-3");
  REQUIRE(sessions.size() == 10);
  CHECK(sessions.front().session_id == "s-3");
  CHECK(sessions.back().session_id == "s-48");
  CHECK(s.list_participants_by_conversation("conv-none").empty());
  CHECK_FALSE(s.resolve_participant_by_external_id("conv-none", "x"));
}

TEST_CASE("memory_storage keeps what named a conversation before its row existed", "[storage]") {
  // §1.4: records may name a conversation id that has no row; creating that
  // conversation later must not hide them or reorder the messages.
  memory_storage s;
  s.append_message(contract::make_message("m-1", std::string("conv-late"), "one"));
  s.add_participant(contract::make_participant("p-1", "conv-late", "user"));
  s.create_session(contract::make_session("s-1", "conv-late", 0));
  s.create_conversation(contract::make_conversation("conv-late", "org-1", "idem-late"));
  s.append_message(contract::make_message("m-2", std::string("conv-late"), "two"));
  auto page = s.list_messages(contract::page_query("conv-late", 10));
  REQUIRE(page.messages.size() == 2);
  CHECK(page.messages[0].id == "m-1");
  CHECK(page.messages[1].id == "m-2");
  // The cursor of the message stored before the row still pages from its position.
  auto rest = s.list_messages(contract::page_query("conv-late", 10, std::string("m-1")));
  REQUIRE(rest.messages.size() == 1);
  CHECK(rest.messages[0].id == "m-2");
  CHECK(s.list_participants_by_conversation("conv-late").size() == 1);
  CHECK(s.list_sessions_by_conversation("conv-late").size() == 1);
}

TEST_CASE("memory_storage: a turn lease expires by its clock, exactly at until", "[storage]") {
  auto clock = std::make_shared<so::protocol::manual_clock>(at_ms(0));
  memory_storage s(clock);
  s.create_session(contract::make_session("sess-1", "conv-1", 0));
  REQUIRE(s.claim_turn("sess-1", "owner-a", std::chrono::milliseconds(3000)));

  clock->advance(std::chrono::milliseconds(2999));
  CHECK_FALSE(s.claim_turn("sess-1", "owner-b", std::chrono::milliseconds(3000)));
  // A renew at 2999 ms moves until to 5999 ms.
  CHECK(s.renew_turn("sess-1", "owner-a", std::chrono::milliseconds(3000)));
  clock->advance(std::chrono::milliseconds(2999));  // 5998 ms: still held
  CHECK_FALSE(s.claim_turn("sess-1", "owner-b", std::chrono::milliseconds(3000)));
  clock->advance(std::chrono::milliseconds(1));  // 5999 ms: until <= now, expired
  CHECK(s.claim_turn("sess-1", "owner-b", std::chrono::milliseconds(3000)));
  CHECK_FALSE(s.renew_turn("sess-1", "owner-a", std::chrono::milliseconds(3000)));
}

// Participant rows are packed (packed_fields.hpp): every field must come back as it went
// in, long ones and present-but-empty ones included, also after a contact update.
TEST_CASE("memory_storage gives a participant back field for field", "[storage]") {
  memory_storage s;
  auto p = contract::make_participant("p-packed", "conv-packed", "user", 42);
  p.organization_id = "org-packed";
  p.external_id = std::string();  // present and empty: not the same as absent
  p.browser_info_json = R"({"ua":")" + std::string(300, 'x') + R"("})";
  p.metadata_json = R"({"k":"é ✓"})";
  p.name = "Ann";
  s.add_participant(p);
  auto got = s.get_participant("p-packed");
  REQUIRE(got);
  CHECK(so::protocol::to_json(*got) == so::protocol::to_json(p));
  CHECK(got->external_id == std::optional<std::string>(""));
  CHECK_FALSE(got->phone.has_value());
  CHECK(s.resolve_participant_by_external_id("conv-packed", "")->id == "p-packed");

  CHECK(s.update_participant_contact("p-packed",
                                     {std::nullopt, std::string("a@b.co"), std::nullopt}));
  auto updated = s.get_participant("p-packed");
  REQUIRE(updated);
  CHECK(updated->email == std::optional<std::string>("a@b.co"));
  CHECK(updated->browser_info_json == p.browser_info_json);
  CHECK(updated->created_at == p.created_at);
  REQUIRE(s.list_participants_by_conversation("conv-packed").size() == 1);
  CHECK(s.list_participants_by_conversation("conv-packed")[0].email == updated->email);
}

// Session rows pack the strings a session is created with: every field must come back,
// through get, update and the per-conversation listing.
TEST_CASE("memory_storage gives a session back field for field", "[storage]") {
  memory_storage s;
  auto se = contract::make_session("s-packed", "conv-packed", 7);
  se.organization_id = "org-packed";
  se.agent_id = "agent-" + std::string(200, 'a');  // a length of two varint bytes
  se.agent_name = "";
  se.user_participant_id = "p-user";
  se.agent_participant_id = "p-agent";
  se.thread_id = "thread-1";
  se.metadata["contactEmail"] = R"("a@b.co")";
  s.create_session(se);
  auto got = s.get_session("s-packed");
  REQUIRE(got);
  CHECK(so::protocol::to_json(*got) == so::protocol::to_json(se));

  session_update u;
  u.status = "idle";
  u.message_count = 4;
  const auto updated = s.update_session("s-packed", u);
  CHECK(updated.agent_id == se.agent_id);
  CHECK(updated.thread_id == "thread-1");
  CHECK(updated.status == std::optional<std::string>("idle"));
  CHECK(updated.metadata == se.metadata);
  const auto listed = s.list_sessions_by_conversation("conv-packed");
  REQUIRE(listed.size() == 1);
  CHECK(so::protocol::to_json(listed[0]) == so::protocol::to_json(updated));
}

// Rows leave out what they can rebuild: a conversation's default name ("Session " + its
// idempotency key), a session's thread id when it is its conversation's id, an absent
// status and empty metadata. Each must come back exactly, and a later change must stick.
TEST_CASE("memory_storage rebuilds the fields its rows leave out", "[storage]") {
  memory_storage s;
  auto c = contract::make_conversation("conv-d", "org-1", "sess-d");
  c.name = "Session sess-d";
  s.create_conversation(c);
  CHECK(s.get_conversation("conv-d")->name == "Session sess-d");
  CHECK(s.set_default_title("conv-d", "A title"));
  CHECK(s.get_conversation("conv-d")->name == "A title");
  CHECK_FALSE(s.set_default_title("conv-d", "Another"));  // no longer the default
  conversation_update back;
  back.name = "Session sess-d";  // the default again: titled again
  s.update_conversation("conv-d", back);
  CHECK(s.set_default_title("conv-d", "Third"));
  CHECK(s.get_conversation("conv-d")->name == "Third");

  auto same = contract::make_session("s-same", "conv-d", 1);
  same.thread_id = "conv-d";
  same.status.reset();
  same.metadata.clear();
  s.create_session(same);
  auto got = s.get_session("s-same");
  REQUIRE(got);
  CHECK(so::protocol::to_json(*got) == so::protocol::to_json(same));
  CHECK_FALSE(got->status.has_value());
  CHECK(got->thread_id == "conv-d");

  auto empty_thread = contract::make_session("s-empty", "conv-d", 2);
  empty_thread.thread_id = "";  // present and empty: not "same as the conversation"
  empty_thread.status = "";
  s.create_session(empty_thread);
  CHECK(s.get_session("s-empty")->thread_id.empty());
  CHECK(s.get_session("s-empty")->status == std::optional<std::string>(""));

  session_update meta;
  meta.metadata = std::map<std::string, std::string>{{"b", "2"}, {"a", R"("x")"}};
  s.update_session("s-same", meta);
  CHECK(s.get_session("s-same")->metadata == *meta.metadata);
  CHECK_FALSE(s.get_session("s-same")->status.has_value());  // untouched
  session_update status;
  status.status = "ended";
  s.update_session("s-same", status);
  CHECK(s.get_session("s-same")->metadata == *meta.metadata);  // untouched
  meta.metadata->clear();
  s.update_session("s-same", meta);
  CHECK(s.get_session("s-same")->metadata.empty());
  CHECK(s.get_session("s-same")->status == std::optional<std::string>("ended"));
}

// create_session_records on an idempotent hit keeps the stored conversation; the other
// records are stored and listed under the conversation id they name.
TEST_CASE("memory_storage creates session records atomically, idempotent on the key", "[storage]") {
  memory_storage s;
  auto records = [](const std::string& n) {
    new_session_records r;
    r.conversation = contract::make_conversation("conv-" + n, "org-1", "key");
    r.user = contract::make_participant("user-" + n, "conv-" + n, "user");
    r.agent = contract::make_participant("agent-" + n, "conv-" + n, "ai-agent");
    r.session = contract::make_session("sess-" + n, "conv-" + n, 1);
    return r;
  };
  persist_new_session(s, records("1"));
  persist_new_session(s, records("2"));  // same (org, key): conv-2 is not stored
  CHECK(s.get_conversation("conv-1"));
  CHECK_FALSE(s.get_conversation("conv-2"));
  CHECK(s.list_participants_by_conversation("conv-1").size() == 2);
  CHECK(s.list_participants_by_conversation("conv-2").size() == 2);
  REQUIRE(s.list_sessions_by_conversation("conv-2").size() == 1);
  CHECK(s.list_sessions_by_conversation("conv-2")[0].session_id == "sess-2");

  // A reused id anywhere refuses all four, with the step's text.
  auto clash = records("3");
  clash.conversation.idempotency_key = "key-3";  // a new conversation, but for the clash
  clash.agent.id = "user-1";
  CHECK_THROWS_WITH(persist_new_session(s, clash),
                    "add agent participant failed: conflict: participant id 'user-1' already "
                    "exists");
  CHECK_FALSE(s.get_conversation("conv-3"));
  CHECK_FALSE(s.get_participant("user-3"));
  CHECK_FALSE(s.get_session("sess-3"));
}
