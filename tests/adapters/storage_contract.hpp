// tests/adapters/storage_contract.hpp — the behaviour every storage adapter must show
// (storage-backplane.md §2, §12 M1–M9, decisions.md "duplicate ids").
//
// Usage: inside a TEST_CASE, call `run_storage_contract(factory)` (it includes the
// turn lease sections, `run_turn_lease_contract`). Each SECTION
// runs against a fresh adapter from the factory, which must return an EMPTY
// store (a database-backed factory truncates its tables). Timestamps used here
// are whole milliseconds so a Postgres round trip (microseconds) is lossless.
#pragma once

#include "adapters/storage/new_session.hpp"
#include "adapters/storage/storage.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace so::adapters::contract {

using storage_factory = std::function<std::shared_ptr<storage>()>;

/// A fixed instant `offset_ms` after 2024-01-01T00:00:00Z.
inline protocol::time_point at_ms(std::int64_t offset_ms) {
  return protocol::time_point(std::chrono::milliseconds(1'704'067'200'000LL + offset_ms));
}

inline conversation make_conversation(std::string id, std::string org, std::string key,
                                      std::int64_t created_ms = 0) {
  conversation c;
  c.id = std::move(id);
  c.name = "Session " + c.id;
  c.organization_id = std::move(org);
  c.idempotency_key = std::move(key);
  c.created_at = at_ms(created_ms);
  c.updated_at = at_ms(created_ms);
  return c;
}

inline participant make_participant(std::string id, std::string conv, std::string type,
                                    std::int64_t created_ms = 0) {
  participant p;
  p.id = std::move(id);
  p.conversation_id = std::move(conv);
  p.organization_id = "org-1";
  p.type = std::move(type);
  p.name = "name-" + p.id;
  p.created_at = at_ms(created_ms);
  p.updated_at = at_ms(created_ms);
  return p;
}

inline message make_message(std::string id, std::optional<std::string> conv, std::string text,
                            protocol::direction dir = protocol::direction::inbound,
                            std::int64_t created_ms = 0) {
  message m;
  m.id = std::move(id);
  m.conversation_id = std::move(conv);
  m.direction = dir;
  m.content = protocol::message_content::from_text(std::move(text));
  m.created_at = at_ms(created_ms);
  return m;
}

inline session make_session(std::string id, std::string conv,
                            std::optional<std::int64_t> created_ms = 0) {
  session s;
  s.session_id = std::move(id);
  s.conversation_id = std::move(conv);
  s.organization_id = "org-1";
  s.agent_id = "agent-1";
  s.user_participant_id = "part-user";
  s.agent_participant_id = "part-agent";
  s.thread_id = "thread-abc";
  s.status = "active";
  s.token_count = 0;
  s.message_count = 0;
  if (created_ms) {
    s.created_at = at_ms(*created_ms);
    s.updated_at = at_ms(*created_ms);
  }
  return s;
}

inline std::vector<std::string> ids_of(const std::vector<message>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.id);
  return out;
}

inline std::vector<std::string> ids_of(const message_page& page) {
  return ids_of(page.messages);
}

inline message_query page_query(std::string conv, std::size_t limit,
                                std::optional<std::string> cursor = std::nullopt,
                                bool descending = false) {
  message_query q;
  q.conversation_id = std::move(conv);
  q.limit = limit;
  q.cursor = std::move(cursor);
  q.descending = descending;
  return q;
}

/// Appends msg-1..msg-n (in that order) to `conv`.
inline void append_n(storage& s, const std::string& conv, int n) {
  for (int i = 1; i <= n; ++i) {
    s.append_message(make_message("msg-" + std::to_string(i), conv, "text " + std::to_string(i),
                                  protocol::direction::inbound, i));
  }
}

// ---- the turn lease (storage.hpp; issue 9 item 5) ----------------------------------------
// Expiry is tested without a test clock, so the same sections run against the database
// clock: a ttl of 0 is expired at once (until == now), and one timed section lets a real
// ttl run out, polling with a deadline.

inline constexpr std::chrono::milliseconds lease_long{60'000};

/// A store holding conversation conv-1 and its session sess-1 (and sess-2).
inline std::shared_ptr<storage> lease_store(const storage_factory& make) {
  auto s = make();
  s->create_conversation(make_conversation("conv-1", "org-1", "idem-conv-1"));
  s->create_session(make_session("sess-1", "conv-1"));
  s->create_session(make_session("sess-2", "conv-1"));
  return s;
}

inline void run_turn_lease_contract(const storage_factory& make) {
  SECTION("turn lease: a free slot is claimed, a second owner is refused, the owner re-claims") {
    auto s = lease_store(make);
    CHECK(s->claim_turn("sess-1", "owner-a", lease_long));
    CHECK_FALSE(s->claim_turn("sess-1", "owner-b", lease_long));
    CHECK(s->claim_turn("sess-1", "owner-a", lease_long));  // same owner: granted again
    CHECK_FALSE(s->claim_turn("sess-1", "owner-b", lease_long));
    // Leases are per session.
    CHECK(s->claim_turn("sess-2", "owner-b", lease_long));
  }

  SECTION("turn lease: an expired lease is taken over; its old owner has lost it") {
    auto s = lease_store(make);
    REQUIRE(s->claim_turn("sess-1", "owner-a", std::chrono::milliseconds(0)));  // expired at once
    CHECK(s->claim_turn("sess-1", "owner-b", lease_long));
    CHECK_FALSE(s->renew_turn("sess-1", "owner-a", lease_long));
    CHECK_FALSE(s->release_turn("sess-1", "owner-a"));
    CHECK_FALSE(s->claim_turn("sess-1", "owner-a", lease_long));  // b's lease stands
    CHECK_FALSE(s->claim_turn("sess-1", "owner-c", lease_long));
  }

  SECTION("turn lease: a lease runs out by itself after its ttl") {
    auto s = lease_store(make);
    REQUIRE(s->claim_turn("sess-1", "owner-a", std::chrono::milliseconds(1000)));
    CHECK_FALSE(s->claim_turn("sess-1", "owner-b", lease_long));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool taken = false;
    while (!taken && std::chrono::steady_clock::now() < deadline) {
      taken = s->claim_turn("sess-1", "owner-b", lease_long);
      if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(taken);
  }

  SECTION("turn lease: renew extends only the owner's lease") {
    auto s = lease_store(make);
    CHECK_FALSE(s->renew_turn("sess-1", "owner-a", lease_long));  // never claimed
    REQUIRE(s->claim_turn("sess-1", "owner-a", lease_long));
    CHECK_FALSE(s->renew_turn("sess-1", "owner-b", lease_long));  // not b's
    CHECK_FALSE(s->claim_turn("sess-1", "owner-b", lease_long));  // still a's
    // The owner's renew sets the new expiry: renewed to 0, it is expired at once.
    CHECK(s->renew_turn("sess-1", "owner-a", std::chrono::milliseconds(0)));
    CHECK(s->claim_turn("sess-1", "owner-b", lease_long));
    // An expired lease nobody took over is still its owner's to renew.
    REQUIRE(s->claim_turn("sess-2", "owner-a", std::chrono::milliseconds(0)));
    CHECK(s->renew_turn("sess-2", "owner-a", lease_long));
    CHECK_FALSE(s->claim_turn("sess-2", "owner-b", lease_long));
  }

  SECTION("turn lease: release by a non-owner is a no-op; release by the owner frees the slot") {
    auto s = lease_store(make);
    CHECK_FALSE(s->release_turn("sess-1", "owner-a"));  // nothing held
    REQUIRE(s->claim_turn("sess-1", "owner-a", lease_long));
    CHECK_FALSE(s->release_turn("sess-1", "owner-b"));
    CHECK_FALSE(s->claim_turn("sess-1", "owner-b", lease_long));  // still a's
    CHECK(s->release_turn("sess-1", "owner-a"));
    CHECK_FALSE(s->release_turn("sess-1", "owner-a"));  // already free
    CHECK_FALSE(s->renew_turn("sess-1", "owner-a", lease_long));
    CHECK(s->claim_turn("sess-1", "owner-b", lease_long));
  }

  SECTION("turn lease: an unknown session or an empty owner is an error, never a refusal") {
    auto s = lease_store(make);
    CHECK_THROWS_AS(s->claim_turn("nope", "owner-a", lease_long), storage_error);
    CHECK_THROWS_AS(s->renew_turn("nope", "owner-a", lease_long), storage_error);
    CHECK_THROWS_AS(s->release_turn("nope", "owner-a"), storage_error);
    CHECK_THROWS_AS(s->claim_turn("sess-1", "", lease_long), storage_error);
    CHECK_THROWS_AS(s->renew_turn("sess-1", "", lease_long), storage_error);
    CHECK_THROWS_AS(s->release_turn("sess-1", ""), storage_error);
    CHECK(s->claim_turn("sess-1", "owner-a", lease_long));  // the failures changed nothing
  }

  SECTION("turn lease: of concurrent claims by different owners exactly one wins") {
    auto s = lease_store(make);
    constexpr int owners = 8;
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < owners; ++i) {
      threads.emplace_back([&s, &granted, i] {
        if (s->claim_turn("sess-1", "owner-" + std::to_string(i), lease_long)) ++granted;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(granted.load() == 1);
  }
}

// ---- conversation list and titles (issue 12: conversations) -----------------------------

/// A conversation named the way a create names it: `Session <idempotencyKey>`.
inline conversation default_named(std::string id, std::string org, std::int64_t created_ms = 0) {
  auto c = make_conversation(id, std::move(org), "sess-of-" + id, created_ms);
  c.name = "Session " + c.idempotency_key;
  return c;
}

inline participant user_with_email(std::string id, std::string conv,
                                   std::optional<std::string> email) {
  auto p = make_participant(std::move(id), std::move(conv), "user");
  p.email = std::move(email);
  return p;
}

inline std::vector<std::string> ids_of(const std::vector<conversation_summary>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.conv.id);
  return out;
}

inline conversation_list_query list_query(std::string org, std::size_t limit = 50) {
  conversation_list_query q;
  q.organization_id = std::move(org);
  q.limit = limit;
  return q;
}

inline void run_conversation_list_contract(const storage_factory& make) {
  using V = std::vector<std::string>;

  SECTION("conversations: a message append bumps the conversation's updatedAt") {
    auto s = make();
    auto c = s->create_conversation(default_named("c-1", "org-1"));
    s->append_message(make_message("m-1", std::string("c-1"), "hi"));
    CHECK(s->get_conversation("c-1")->updated_at > c.updated_at);
  }

  SECTION(
      "conversations: the list has only the org's conversations with messages, most "
      "recently active first, at most `limit`") {
    auto s = make();
    for (const char* id : {"c-a", "c-b", "c-c", "c-empty"})
      s->create_conversation(default_named(id, "org-1"));
    s->create_conversation(default_named("c-other-org", "org-2"));
    s->append_message(make_message("m-a", std::string("c-a"), "first a"));
    s->append_message(make_message("m-b", std::string("c-b"), "first b"));
    s->append_message(make_message("m-c", std::string("c-c"), "first c"));
    s->append_message(make_message("m-o", std::string("c-other-org"), "other"));
    s->append_message(make_message("m-a2", std::string("c-a"), "again a"));  // c-a most recent
    CHECK(ids_of(s->list_conversation_summaries(list_query("org-1"))) == V{"c-a", "c-c", "c-b"});
    CHECK(ids_of(s->list_conversation_summaries(list_query("org-1", 2))) == V{"c-a", "c-c"});
    CHECK(ids_of(s->list_conversation_summaries(list_query("org-2"))) == V{"c-other-org"});
    CHECK(s->list_conversation_summaries(list_query("org-none")).empty());
  }

  SECTION(
      "conversations: a summary counts at most `message_scan` messages and quotes the "
      "first inbound one") {
    auto s = make();
    s->create_conversation(default_named("c-1", "org-1"));
    s->append_message(
        make_message("m-0", std::string("c-1"), "greeting", protocol::direction::outbound));
    auto first_user = make_message("m-1", std::string("c-1"), "ignored");
    first_user.content.text.reset();  // no flat mirror: the first item's text
    first_user.content.items = {{"image", std::nullopt}, {"text", std::string("from items")}};
    s->append_message(first_user);
    for (int i = 2; i <= 6; ++i)
      s->append_message(make_message("m-" + std::to_string(i), std::string("c-1"), "later"));
    auto q = list_query("org-1");
    q.message_scan = 4;
    auto rows = s->list_conversation_summaries(q);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].message_count == 4);
    CHECK(rows[0].first_user_text == std::optional<std::string>("from items"));
    CHECK(rows[0].conv.name == "Session sess-of-c-1");

    // Only outbound messages among those read: no user text.
    s->create_conversation(default_named("c-2", "org-1"));
    s->append_message(
        make_message("m-x", std::string("c-2"), "hello", protocol::direction::outbound));
    q.only_ids = V{"c-2"};
    rows = s->list_conversation_summaries(q);
    REQUIRE(rows.size() == 1);
    CHECK_FALSE(rows[0].first_user_text);
  }

  SECTION(
      "conversations: owner_email keeps conversations a user participant with that email "
      "owns (ASCII case-insensitive; blank owns nothing); only_ids keeps those ids") {
    auto s = make();
    for (const char* id : {"c-alice", "c-bob", "c-nobody", "c-blank"}) {
      s->create_conversation(default_named(id, "org-1"));
      s->append_message(make_message(std::string("m-") + id, std::string(id), "hi"));
    }
    s->add_participant(user_with_email("p-a", "c-alice", "Alice@Example.COM"));
    s->add_participant(user_with_email("p-b", "c-bob", "bob@example.com"));
    s->add_participant(user_with_email("p-n", "c-nobody", std::nullopt));
    s->add_participant(user_with_email("p-blank", "c-blank", " "));
    auto agent = make_participant("p-agent", "c-bob", "ai-agent");
    agent.email = "alice@example.com";  // not a user: owns nothing
    s->add_participant(agent);

    auto q = list_query("org-1");
    q.owner_email = "alice@example.com";
    CHECK(ids_of(s->list_conversation_summaries(q)) == V{"c-alice"});
    q.owner_email = "BOB@example.com";
    CHECK(ids_of(s->list_conversation_summaries(q)) == V{"c-bob"});
    q.owner_email = " ";
    CHECK(s->list_conversation_summaries(q).empty());

    auto only = list_query("org-1");
    only.only_ids = V{"c-nobody", "c-blank", "c-unknown"};
    auto got = ids_of(s->list_conversation_summaries(only));
    std::sort(got.begin(), got.end());
    CHECK(got == V{"c-blank", "c-nobody"});
    only.only_ids = V{};
    CHECK(s->list_conversation_summaries(only).empty());
  }

  SECTION("conversations: set_default_title writes only over the default name") {
    auto s = make();
    auto c = s->create_conversation(default_named("c-1", "org-1"));
    CHECK(s->set_default_title("c-1", "Password reset help"));
    auto titled = s->get_conversation("c-1");
    CHECK(titled->name == "Password reset help");
    CHECK(titled->updated_at > c.updated_at);
    CHECK_FALSE(s->set_default_title("c-1", "Another title"));  // titled once
    CHECK(s->get_conversation("c-1")->name == "Password reset help");
    CHECK_FALSE(s->set_default_title("c-unknown", "x"));

    // A manual name that merely starts with "Session " is a real title (decisions.md).
    s->create_conversation(default_named("c-2", "org-1"));
    conversation_update u;
    u.name = "Session notes";
    s->update_conversation("c-2", u);
    CHECK_FALSE(s->set_default_title("c-2", "Auto"));
    CHECK(s->get_conversation("c-2")->name == "Session notes");
  }

  SECTION("conversations: a manual rename racing the auto-title is never overwritten") {
    auto s = make();
    constexpr int rounds = 40;
    for (int i = 0; i < rounds; ++i)
      s->create_conversation(default_named("race-" + std::to_string(i), "org-1"));
    for (int i = 0; i < rounds; ++i) {
      const auto id = "race-" + std::to_string(i);
      std::atomic<bool> go{false};
      std::thread titler([&] {
        while (!go.load()) {
        }
        s->set_default_title(id, "Auto title");
      });
      std::thread renamer([&] {
        while (!go.load()) {
        }
        conversation_update u;
        u.name = "Manual title";
        s->update_conversation(id, u);
      });
      go = true;
      titler.join();
      renamer.join();
      INFO(id);
      CHECK(s->get_conversation(id)->name == "Manual title");
    }
  }
}

inline void run_storage_contract(const storage_factory& make) {
  using V = std::vector<std::string>;

  SECTION("M1-M3: conversation create, idempotent replay, get") {
    auto s = make();
    auto created = s->create_conversation(make_conversation("conv-1", "org-1", "idem-conv-1"));
    CHECK(created.id == "conv-1");
    CHECK(created.organization_id == "org-1");
    CHECK(created.name == "Session conv-1");

    auto again = make_conversation("conv-1", "org-1", "idem-conv-1");
    again.name = "other name";
    auto replay = s->create_conversation(again);
    CHECK(replay.id == "conv-1");
    CHECK(replay.name == "Session conv-1");  // the existing row, unchanged
    CHECK(s->list_conversations_by_org("org-1").size() == 1);

    auto got = s->get_conversation("conv-1");
    REQUIRE(got);
    CHECK(got->organization_id == "org-1");
    CHECK_FALSE(s->get_conversation("nope"));
  }

  SECTION("recent_history: the newest messages, oldest first, as direction and text") {
    auto s = make();
    s->create_conversation(make_conversation("conv-h", "org-1", "idem-h"));
    for (int i = 0; i < 7; ++i) {
      const auto dir = i % 2 == 0 ? protocol::direction::inbound : protocol::direction::outbound;
      s->append_message(make_message("h-" + std::to_string(i), std::string("conv-h"),
                                     "text " + std::to_string(i), dir, i));
    }
    s->append_message(make_message("other", std::string("conv-other"), "elsewhere"));
    auto last = s->recent_history("conv-h", 3);
    REQUIRE(last.size() == 3);
    CHECK(last[0].text == "text 4");
    CHECK(last[0].direction == protocol::direction::inbound);
    CHECK(last[1].text == "text 5");
    CHECK(last[1].direction == protocol::direction::outbound);
    CHECK(last[2].text == "text 6");
    CHECK(s->recent_history("conv-h", 50).size() == 7);
    CHECK(s->recent_history("conv-none", 50).empty());
    CHECK(s->recent_history("conv-h", 0).empty());
  }

  SECTION("P1: a different id with an existing (org, key) returns the original row") {
    auto s = make();
    s->create_conversation(make_conversation("conv-1", "org-1", "idem-conv-1"));
    auto replay = s->create_conversation(make_conversation("conv-2", "org-1", "idem-conv-1"));
    CHECK(replay.id == "conv-1");
    CHECK_FALSE(s->get_conversation("conv-2"));
    CHECK(s->list_conversations_by_org("org-1").size() == 1);
  }

  SECTION("the idempotency key is scoped by organization") {
    auto s = make();
    s->create_conversation(make_conversation("conv-1", "org-1", "same-key"));
    auto other = s->create_conversation(make_conversation("conv-2", "org-2", "same-key"));
    CHECK(other.id == "conv-2");
    CHECK(s->list_conversations_by_org("org-2").size() == 1);
  }

  SECTION("quirk fix: a new key with an existing conversation id is a conflict") {
    auto s = make();
    s->create_conversation(make_conversation("conv-1", "org-1", "key-a"));
    CHECK_THROWS_AS(s->create_conversation(make_conversation("conv-1", "org-1", "key-b")),
                    storage_conflict);
    CHECK_THROWS_AS(s->create_conversation(make_conversation("conv-1", "org-1", "key-b")),
                    storage_error);
    auto kept = s->get_conversation("conv-1");
    REQUIRE(kept);
    CHECK(kept->idempotency_key == "key-a");  // not overwritten
  }

  SECTION("conversations by org: newest createdAt first, other orgs excluded") {
    auto s = make();
    s->create_conversation(make_conversation("c-old", "org-1", "k1", 1000));
    s->create_conversation(make_conversation("c-new", "org-1", "k2", 3000));
    s->create_conversation(make_conversation("c-mid", "org-1", "k3", 2000));
    s->create_conversation(make_conversation("c-other", "org-2", "k4", 5000));
    auto list = s->list_conversations_by_org("org-1");
    V ids;
    for (const auto& c : list) ids.push_back(c.id);
    CHECK(ids == V{"c-new", "c-mid", "c-old"});
    CHECK(s->list_conversations_by_org("org-none").empty());
  }

  SECTION("M4: update_conversation replaces present fields and stamps updatedAt") {
    auto s = make();
    auto c = make_conversation("conv-1", "org-1", "idem-conv-1");
    c.metadata_json = R"({"a":1})";
    s->create_conversation(c);
    conversation_update u;
    u.name = "Renamed";
    auto updated = s->update_conversation("conv-1", u);
    CHECK(updated.name == "Renamed");
    CHECK(updated.metadata_json == std::optional<std::string>(R"({"a":1})"));  // absent = kept
    CHECK(updated.updated_at > c.updated_at);
    CHECK(updated.created_at == c.created_at);
    auto got = s->get_conversation("conv-1");
    REQUIRE(got);
    CHECK(got->name == "Renamed");

    conversation_update u2;
    u2.metadata_json = R"({"b":2})";
    u2.analytics_json = "[1,2]";
    auto second = s->update_conversation("conv-1", u2);
    CHECK(second.name == "Renamed");
    CHECK(second.metadata_json == std::optional<std::string>(R"({"b":2})"));
    CHECK(second.analytics_json == std::optional<std::string>("[1,2]"));
  }

  SECTION("update_conversation of an unknown id is an error naming the id") {
    auto s = make();
    conversation_update u;
    u.name = "x";
    CHECK_THROWS_WITH(s->update_conversation("conv-missing", u),
                      Catch::Matchers::Contains("conv-missing"));
    CHECK_THROWS_AS(s->update_conversation("conv-missing", u), storage_error);
  }

  SECTION("M5-M6: participants list and resolve by external id") {
    auto s = make();
    s->create_conversation(make_conversation("conv-1", "org-1", "idem-conv-1"));
    auto user = make_participant("part-user", "conv-1", "user", 0);
    user.external_id = "supabase-user-123";
    user.email = "u@example.com";
    s->add_participant(user);
    auto agent = make_participant("part-agent", "conv-1", "ai-agent", 10);
    agent.internal_id = "agent-uuid";
    s->add_participant(agent);
    s->add_participant(make_participant("part-elsewhere", "conv-2", "user", 5));

    auto list = s->list_participants_by_conversation("conv-1");
    REQUIRE(list.size() == 2);
    CHECK(list[0].id == "part-user");
    CHECK(list[0].type == "user");
    CHECK(list[1].id == "part-agent");
    CHECK(list[1].type == "ai-agent");
    CHECK(list[1].internal_id == std::optional<std::string>("agent-uuid"));

    auto resolved = s->resolve_participant_by_external_id("conv-1", "supabase-user-123");
    REQUIRE(resolved);
    CHECK(resolved->id == "part-user");
    CHECK_FALSE(s->resolve_participant_by_external_id("conv-2", "supabase-user-123"));
    CHECK_FALSE(s->resolve_participant_by_external_id("conv-1", "nobody"));

    auto got = s->get_participant("part-user");
    REQUIRE(got);
    CHECK(got->email == std::optional<std::string>("u@example.com"));
    CHECK_FALSE(s->get_participant("nope"));
  }

  SECTION("participants: oldest createdAt first, ties by id") {
    auto s = make();
    s->add_participant(make_participant("p-c", "conv-1", "user", 2000));
    s->add_participant(make_participant("p-b", "conv-1", "user", 1000));
    s->add_participant(make_participant("p-a", "conv-1", "user", 2000));
    V ids;
    for (const auto& p : s->list_participants_by_conversation("conv-1")) ids.push_back(p.id);
    CHECK(ids == V{"p-b", "p-a", "p-c"});
  }

  // Rich Interactions (issue 12): the identity intake's contact on the user participant.
  SECTION("update_participant_contact sets the present fields only") {
    auto s = make();
    auto p = make_participant("p-contact", "conv-1", "user");
    p.email = "old@example.com";
    s->add_participant(p);
    CHECK(s->update_participant_contact(
        "p-contact", {std::string("Alice"), std::nullopt, std::string("+15551234567")}));
    auto got = s->get_participant("p-contact");
    REQUIRE(got);
    CHECK(got->name == "Alice");
    CHECK(got->email == std::optional<std::string>("old@example.com"));
    CHECK(got->phone == std::optional<std::string>("+15551234567"));
    CHECK(s->update_participant_contact("p-contact",
                                        {std::nullopt, std::string("a@b.co"), std::nullopt}));
    CHECK(s->get_participant("p-contact")->email == std::optional<std::string>("a@b.co"));
    CHECK(s->get_participant("p-contact")->name == "Alice");
    CHECK_FALSE(
        s->update_participant_contact("nope", {std::string("x"), std::nullopt, std::nullopt}));
  }

  SECTION("participants need no existing conversation; a duplicate id is a conflict") {
    auto s = make();
    s->add_participant(make_participant("p-1", "conv-ghost", "user"));
    CHECK(s->list_participants_by_conversation("conv-ghost").size() == 1);
    auto dup = make_participant("p-1", "conv-ghost", "ai-agent");
    CHECK_THROWS_AS(s->add_participant(dup), storage_conflict);
    auto kept = s->get_participant("p-1");
    REQUIRE(kept);
    CHECK(kept->type == "user");
  }

  SECTION("M7-M8 and the worked example of §2.3") {
    auto s = make();
    s->create_conversation(make_conversation("conv-1", "org-1", "idem-conv-1"));
    auto m1 = make_message("msg-1", std::string("conv-1"), "hello");
    auto m2 = make_message("msg-2", std::string("conv-1"), "hello!", protocol::direction::outbound);
    auto stored = s->append_message(m1);
    CHECK(stored.id == "msg-1");
    CHECK(stored.content.text == std::optional<std::string>("hello"));
    s->append_message(m2);

    auto first = s->list_messages(page_query("conv-1", 1));
    CHECK(ids_of(first) == V{"msg-1"});
    CHECK(first.next_cursor == std::optional<std::string>("msg-1"));

    auto second = s->list_messages(page_query("conv-1", 5, first.next_cursor));
    CHECK(ids_of(second) == V{"msg-2"});
    CHECK_FALSE(second.next_cursor);

    auto desc = s->list_messages(page_query("conv-1", 5, std::nullopt, true));
    CHECK(ids_of(desc) == V{"msg-2", "msg-1"});
    CHECK_FALSE(desc.next_cursor);

    auto got = s->get_message("msg-2");
    REQUIRE(got);
    CHECK(got->direction == protocol::direction::outbound);
    CHECK(got->content.text == std::optional<std::string>("hello!"));
    CHECK_FALSE(s->get_message("nope"));
  }

  SECTION("paging walks every message exactly once in both directions") {
    auto s = make();
    append_n(*s, "conv-1", 7);
    for (bool descending : {false, true}) {
      V seen;
      std::optional<std::string> cursor;
      int pages = 0;
      do {
        auto page = s->list_messages(page_query("conv-1", 3, cursor, descending));
        REQUIRE_FALSE(page.messages.empty());
        for (const auto& m : page.messages) seen.push_back(m.id);
        if (page.next_cursor) CHECK(*page.next_cursor == page.messages.back().id);
        cursor = page.next_cursor;
        ++pages;
      } while (cursor && pages < 10);
      CHECK(pages == 3);
      V expected{"msg-1", "msg-2", "msg-3", "msg-4", "msg-5", "msg-6", "msg-7"};
      if (descending) std::reverse(expected.begin(), expected.end());
      CHECK(seen == expected);
    }
  }

  SECTION("next_cursor is absent when a page ends exactly at the last message") {
    auto s = make();
    append_n(*s, "conv-1", 4);
    auto page = s->list_messages(page_query("conv-1", 4));
    CHECK(page.messages.size() == 4);
    CHECK_FALSE(page.next_cursor);
    auto two = s->list_messages(page_query("conv-1", 2, std::string("msg-2")));
    CHECK(ids_of(two) == V{"msg-3", "msg-4"});
    CHECK_FALSE(two.next_cursor);
    auto after_last = s->list_messages(page_query("conv-1", 2, std::string("msg-4")));
    CHECK(after_last.messages.empty());
    CHECK_FALSE(after_last.next_cursor);
  }

  SECTION("limit 0 gives an empty page without a cursor") {
    auto s = make();
    append_n(*s, "conv-1", 3);
    for (bool descending : {false, true}) {
      auto page = s->list_messages(page_query("conv-1", 0, std::nullopt, descending));
      CHECK(page.messages.empty());
      CHECK_FALSE(page.next_cursor);
    }
  }

  SECTION("an unknown cursor restarts from the beginning") {
    auto s = make();
    append_n(*s, "conv-1", 3);
    auto asc = s->list_messages(page_query("conv-1", 2, std::string("no-such-message")));
    CHECK(ids_of(asc) == V{"msg-1", "msg-2"});
    CHECK(asc.next_cursor == std::optional<std::string>("msg-2"));
    auto desc = s->list_messages(page_query("conv-1", 2, std::string("no-such-message"), true));
    CHECK(ids_of(desc) == V{"msg-3", "msg-2"});
  }

  SECTION("an ascending cursor used descending yields the older messages") {
    auto s = make();
    append_n(*s, "conv-1", 5);
    auto asc = s->list_messages(page_query("conv-1", 3));
    REQUIRE(asc.next_cursor == std::optional<std::string>("msg-3"));
    auto older = s->list_messages(page_query("conv-1", 10, asc.next_cursor, true));
    CHECK(ids_of(older) == V{"msg-2", "msg-1"});
    CHECK_FALSE(older.next_cursor);
    auto older_one = s->list_messages(page_query("conv-1", 1, asc.next_cursor, true));
    CHECK(ids_of(older_one) == V{"msg-2"});
    CHECK(older_one.next_cursor == std::optional<std::string>("msg-2"));
  }

  SECTION("paging follows append order, never createdAt") {
    auto s = make();
    s->append_message(
        make_message("late", std::string("conv-1"), "a", protocol::direction::inbound, 9000));
    s->append_message(
        make_message("early", std::string("conv-1"), "b", protocol::direction::inbound, 1000));
    CHECK(ids_of(s->list_messages(page_query("conv-1", 10))) == V{"late", "early"});
  }

  SECTION("messages are listed per conversation; one without a conversation is never listed") {
    auto s = make();
    s->append_message(make_message("a-1", std::string("conv-a"), "x"));
    s->append_message(make_message("b-1", std::string("conv-b"), "y"));
    s->append_message(make_message("orphan", std::nullopt, "z"));
    s->append_message(make_message("a-2", std::string("conv-a"), "w"));
    CHECK(ids_of(s->list_messages(page_query("conv-a", 10))) == V{"a-1", "a-2"});
    CHECK(ids_of(s->list_messages(page_query("conv-b", 10))) == V{"b-1"});
    CHECK(s->list_messages(page_query("conv-none", 10)).messages.empty());
    CHECK(s->get_message("orphan"));
  }

  SECTION("quirk fix: a duplicate message id is a conflict and is not listed twice") {
    auto s = make();
    s->append_message(make_message("msg-1", std::string("conv-1"), "first"));
    CHECK_THROWS_AS(s->append_message(make_message("msg-1", std::string("conv-1"), "second")),
                    storage_conflict);
    auto page = s->list_messages(page_query("conv-1", 10));
    CHECK(ids_of(page) == V{"msg-1"});
    CHECK(page.messages[0].content.text == std::optional<std::string>("first"));
  }

  SECTION("M9: sessions create, update, list") {
    auto s = make();
    auto created = s->create_session(make_session("sess-1", "conv-1", 0));
    CHECK(created.thread_id == "thread-abc");
    auto got = s->get_session("sess-1");
    REQUIRE(got);
    CHECK(got->thread_id == "thread-abc");
    CHECK(got->status == std::optional<std::string>("active"));
    CHECK_FALSE(s->get_session("nope"));

    session_update u;
    u.token_count = 42;
    u.message_count = 2;
    u.status = "idle";
    u.last_activity_at = at_ms(5000);
    auto updated = s->update_session("sess-1", u);
    CHECK(updated.token_count == std::optional<std::uint64_t>(42));
    CHECK(updated.message_count == std::optional<std::uint64_t>(2));
    CHECK(updated.status == std::optional<std::string>("idle"));
    CHECK(updated.last_activity_at == std::optional<protocol::time_point>(at_ms(5000)));
    CHECK_FALSE(updated.ended_at);
    REQUIRE(updated.updated_at);
    CHECK(*updated.updated_at > at_ms(0));

    session_update end;
    end.status = "ended";
    end.ended_at = at_ms(6000);
    auto ended = s->update_session("sess-1", end);
    CHECK(ended.token_count == std::optional<std::uint64_t>(42));  // absent = kept
    CHECK(ended.ended_at == std::optional<protocol::time_point>(at_ms(6000)));

    auto list = s->list_sessions_by_conversation("conv-1");
    REQUIRE(list.size() == 1);
    CHECK(list[0].thread_id == "thread-abc");
    CHECK(list[0].status == std::optional<std::string>("ended"));
  }

  SECTION("update_session replaces the metadata map only when given (issue 12, OTP)") {
    auto s = make();
    auto se = make_session("sess-m", "conv-1", 0);
    se.metadata["contactEmail"] = "\"a@b.co\"";
    s->create_session(se);
    session_update status_only;
    status_only.status = "idle";
    CHECK(s->update_session("sess-m", status_only).metadata == se.metadata);  // absent = kept
    session_update u;
    u.metadata = se.metadata;
    (*u.metadata)["otpVerified"] = "true";
    s->update_session("sess-m", u);
    auto got = s->get_session("sess-m");
    REQUIRE(got);
    CHECK(got->metadata.at("otpVerified") == "true");
    CHECK(got->metadata.at("contactEmail") == "\"a@b.co\"");
    CHECK(got->status == std::optional<std::string>("idle"));
  }

  SECTION("update_session of an unknown id is an error naming the id") {
    auto s = make();
    session_update u;
    u.status = "idle";
    CHECK_THROWS_WITH(s->update_session("sess-missing", u),
                      Catch::Matchers::Contains("sess-missing"));
    CHECK_THROWS_AS(s->update_session("sess-missing", u), storage_error);
  }

  SECTION("sessions: oldest createdAt first, ties by session id; duplicates conflict") {
    auto s = make();
    s->create_session(make_session("s-c", "conv-1", 2000));
    s->create_session(make_session("s-b", "conv-1", 1000));
    s->create_session(make_session("s-a", "conv-1", 2000));
    s->create_session(make_session("s-x", "conv-2", 0));
    V ids;
    for (const auto& x : s->list_sessions_by_conversation("conv-1")) ids.push_back(x.session_id);
    CHECK(ids == V{"s-b", "s-a", "s-c"});
    CHECK_THROWS_AS(s->create_session(make_session("s-a", "conv-9", 0)), storage_conflict);
    auto kept = s->get_session("s-a");
    REQUIRE(kept);
    CHECK(kept->conversation_id == "conv-1");
  }

  SECTION("records round-trip every field") {
    auto s = make();
    auto c = make_conversation("conv-rt", "org-rt", "key-rt", 123);
    c.platform = "slack";
    c.metadata_json = R"({"k":"v"})";
    c.analytics_json = "42";
    s->create_conversation(c);
    auto gc = s->get_conversation("conv-rt");
    REQUIRE(gc);
    CHECK(protocol::to_json(*gc) == protocol::to_json(c));

    auto p = make_participant("p-rt", "conv-rt", "human-agent", 77);
    p.external_id = "ext";
    p.browser_fingerprint = "fp";
    p.browser_info_json = R"({"ua":"x"})";
    p.phone = "+1";
    p.crm_contact_id = "crm";
    p.metadata_json = "{}";
    s->add_participant(p);
    auto gp = s->get_participant("p-rt");
    REQUIRE(gp);
    CHECK(protocol::to_json(*gp) == protocol::to_json(p));

    auto m =
        make_message("m-rt", std::string("conv-rt"), "héllo ✓", protocol::direction::outbound, 55);
    m.external_id = "mx";
    m.organization_id = "org-rt";
    m.from = protocol::participant_ref{"p-rt", "human-agent", std::string("Ann")};
    m.to = protocol::participant_ref{"p-2", "user", std::nullopt};
    m.metadata_json = "[true]";
    m.updated_at = at_ms(56);
    s->append_message(m);
    auto gm = s->get_message("m-rt");
    REQUIRE(gm);
    CHECK(protocol::to_json(*gm) == protocol::to_json(m));

    auto se = make_session("s-rt", "conv-rt", 10);
    se.metadata["otpVerified"] = "true";
    se.ended_at = at_ms(99);
    s->create_session(se);
    auto gs = s->get_session("s-rt");
    REQUIRE(gs);
    CHECK(protocol::to_json(*gs) == protocol::to_json(se));
  }

  SECTION("a new session's four records are written all or none") {
    auto s = make();
    new_session_records r;
    r.conversation = make_conversation("conv-1", "org-1", "sess-1");
    r.user = make_participant("p-user", "conv-1", "user");
    r.agent = make_participant("p-agent", "conv-1", "ai-agent");
    r.session = make_session("sess-1", "conv-1", 0);

    // The last record collides: nothing of the four may remain.
    s->create_session(make_session("sess-1", "conv-other", 0));
    CHECK_THROWS_WITH(persist_new_session(*s, r),
                      Catch::Matchers::StartsWith("create session failed"));
    CHECK_FALSE(s->get_conversation("conv-1"));
    CHECK_FALSE(s->get_participant("p-user"));
    CHECK_FALSE(s->get_participant("p-agent"));
    CHECK(s->list_participants_by_conversation("conv-1").empty());

    // A user and an agent with one id collide with each other.
    auto same = r;
    same.session.session_id = "sess-2";
    same.agent.id = "p-user";
    CHECK_THROWS_WITH(persist_new_session(*s, same),
                      Catch::Matchers::StartsWith("add agent participant failed"));
    CHECK_FALSE(s->get_participant("p-user"));

    r.session.session_id = "sess-2";
    CHECK(persist_new_session(*s, r).session_id == "sess-2");
    CHECK(s->get_conversation("conv-1"));
    CHECK(s->list_participants_by_conversation("conv-1").size() == 2);
    CHECK(s->list_sessions_by_conversation("conv-1").size() == 1);
  }

  SECTION("several threads may call one adapter at once (the storage pool's workers do)") {
    auto s = make();
    constexpr int threads = 4, per_thread = 25;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      const auto conv = "conv-t" + std::to_string(t);
      s->create_conversation(make_conversation(conv, "org-1", "idem-" + conv));
      workers.emplace_back([&s, conv] {
        for (int i = 0; i < per_thread; ++i)
          s->append_message(make_message(conv + "-m" + std::to_string(i), conv, "x"));
      });
    }
    for (auto& w : workers) w.join();
    for (int t = 0; t < threads; ++t) {
      message_query q;
      q.conversation_id = "conv-t" + std::to_string(t);
      q.limit = 100;
      auto page = s->list_messages(q);
      REQUIRE(page.messages.size() == per_thread);
      for (int i = 0; i < per_thread; ++i)  // each thread's appends keep their order
        CHECK(page.messages[i].id == q.conversation_id + "-m" + std::to_string(i));
    }
  }

  run_turn_lease_contract(make);
  run_conversation_list_contract(make);  // issue 12
}

}  // namespace so::adapters::contract
