// tests/server/ws_identity_scope_test.cpp — per-user WebSocket scoping (admin-auth.md §9):
// `User(email)` reaches only conversations its email owns, `Denied` (multi-user mode,
// no email or anonymous) only the ones it created, `Unscoped` (single-user modes)
// everything. Another user's conversation answers byte-for-byte like a missing one on
// every session-taking action (get_session, get_conversation_messages, send_message,
// confirm_tool_action). The principal's email wins over a frame's userEmail. Verified
// connections are reachable as their User and Org backplane targets.
#include "tests/server/ws_identity_support.hpp"

namespace so::test::identity {
namespace {

using turns::quote;

/// Fixed time, so two servers answer the same request with the same bytes.
protocol::clock_ptr frozen_clock() {
  return std::make_shared<protocol::manual_clock>(
      protocol::time_point(std::chrono::milliseconds(1'750'000'000'000)));
}

std::map<std::string, auth::principal> people() {
  return {
      {"tok-alice", make_principal("u-alice", "acme", "alice@acme.test")},
      {"tok-alice-upper", make_principal("u-alice-2", "acme", "ALICE@Acme.Test")},
      {"tok-bob", make_principal("u-bob", "acme", "bob@acme.test")},
      {"tok-carol", make_principal("u-carol", "acme")},  // no email: denied
      // Alice's email in another org: owns nothing in acme (org isolation on /ws).
      {"tok-alice-globex", make_principal("u-alice-g", "globex", "alice@acme.test")},
  };
}

/// A multi-user server whose `delete_record` tool needs confirmation, with a scripted
/// LLM that parks every turn on it.
struct scoped_server {
  std::shared_ptr<adapters::memory_storage> storage;
  std::shared_ptr<adapters::llm::scripted_provider> script;
  std::unique_ptr<net::server> server;

  scoped_server(protocol::clock_ptr clock, bool single_user, bool with_sessions = true) {
    storage = std::make_shared<adapters::memory_storage>(clock);
    std::vector<adapters::llm::script_entry> entries;
    if (with_sessions)
      entries = {turns::tool_call("delete_record", R"({"id":42})"), turns::text("done")};
    script = std::make_shared<adapters::llm::scripted_provider>(std::move(entries));
    auto o = turns::base_options();
    o.clock = std::move(clock);
    o.storage = storage;
    o.llm_override = script;
    o.config.confirm_tools = {"delete"};
    o.config.confirm_timeout = 30'000ms;
    o.extra_tools.push_back(
        std::make_shared<adapters::tools::fixed_result_tool>("delete_record", "deleted"));
    o.authenticator = std::make_shared<map_authenticator>(people(), single_user);
    server = std::make_unique<net::server>(std::move(o));
  }
};

std::string get_session(const std::string& sid) {
  return R"({"action":"get_session","requestId":"r-get","sessionId":)" + quote(sid) + "}";
}
std::string get_messages(const std::string& sid) {
  return R"({"action":"get_conversation_messages","requestId":"r-msgs","sessionId":)" + quote(sid) +
         "}";
}
std::string send_message(const std::string& sid) {
  return R"({"action":"send_message","requestId":"r-send","sessionId":)" + quote(sid) +
         R"(,"message":"delete record 42"})";
}
std::string confirm(const std::string& sid) {
  return R"({"action":"confirm_tool_action","requestId":"r-confirm","sessionId":)" + quote(sid) +
         R"(,"approved":true})";
}

/// The one frame `ws` answers `action` with.
std::string answer(ws_client& ws, const std::string& action) {
  ws.send_text(action);
  auto text = ws.read(5s);
  REQUIRE(text.has_value());
  return *text;
}

/// Each action answers `outsider` byte for byte as it answers `nobody`, a connection to a
/// server that never saw the session: out of scope reads exactly like missing.
void check_reads_as_missing(ws_client& outsider, ws_client& nobody,
                            const std::vector<std::string>& actions) {
  for (const auto& action : actions) {
    INFO(action);
    const auto missing = answer(nobody, action);
    CHECK(frame(missing).type() == "error");
    CHECK(answer(outsider, action) == missing);
  }
}

}  // namespace

TEST_CASE(
    "ws identity: another user's conversation reads exactly like a missing one on every "
    "session-taking action",
    "[identity]") {
  auto clock = frozen_clock();
  scoped_server s(clock, /*single_user=*/false);
  // A server that never saw the session: its answers are the "missing" bytes.
  scoped_server ghost(clock, /*single_user=*/false, /*with_sessions=*/false);

  auto alice = connect_as(*s.server, "tok-alice");
  const auto sid = create(*alice, "r-create").str("/data/sessionId");
  // Alice's turn parks on a confirmation: a confirm from Bob would release it.
  turns::park_on_confirmation(*alice, sid, "r-turn");

  auto bob = connect_as(*s.server, "tok-bob");
  auto nobody = connect_as(*ghost.server, "tok-bob");
  check_reads_as_missing(*bob, *nobody,
                         {get_session(sid), get_messages(sid), send_message(sid), confirm(sid)});

  // Bob's confirm did not reach Alice's pending call: she still decides it.
  turns::confirm(*alice, sid, true, "r-alice-confirm");
  auto ack = turns::expect(*alice, "immediate_response");
  CHECK(ack.integer("/status") == 200);
  auto frames = turns::read_turn(*alice, "r-turn");
  turns::require_reply(frames.back(), "r-turn", "done");
}

TEST_CASE(
    "ws identity: a user reaches its conversations from any connection, by email "
    "(case-insensitive)",
    "[identity]") {
  scoped_server s(frozen_clock(), /*single_user=*/false);
  auto alice = connect_as(*s.server, "tok-alice");
  const auto sid = create(*alice, "r-create").str("/data/sessionId");

  auto again = connect_as(*s.server, "tok-alice-upper");
  frame reply(answer(*again, get_session(sid)));
  CHECK(reply.type() == "immediate_response");
  CHECK(reply.integer("/status") == 200);
  frame page(answer(*again, get_messages(sid)));
  CHECK(page.type() == "immediate_response");
}

TEST_CASE("ws identity: another org's conversation is missing even to the same email",
          "[identity]") {
  auto clock = frozen_clock();
  scoped_server s(clock, /*single_user=*/false);
  scoped_server ghost(clock, /*single_user=*/false, /*with_sessions=*/false);
  auto alice = connect_as(*s.server, "tok-alice");
  const auto sid = create(*alice, "r-create").str("/data/sessionId");

  auto other_org = connect_as(*s.server, "tok-alice-globex");
  auto nobody = connect_as(*ghost.server, "tok-alice-globex");
  check_reads_as_missing(*other_org, *nobody,
                         {get_session(sid), get_messages(sid), send_message(sid)});
  // Its own org's conversations it reaches as usual.
  const auto own = create(*other_org, "r-own").str("/data/sessionId");
  auto again = connect_as(*s.server, "tok-alice-globex");
  CHECK(frame(answer(*again, get_session(own))).integer("/status") == 200);
}

TEST_CASE("ws identity: a denied connection reaches only the conversations it created",
          "[identity]") {
  scoped_server s(frozen_clock(), /*single_user=*/false);
  for (const char* token : {"tok-carol", ""}) {  // no email; anonymous
    INFO("token: " << token);
    auto first = connect_as(*s.server, token);
    const auto sid = create(*first, "r-create").str("/data/sessionId");
    CHECK(frame(answer(*first, get_session(sid))).integer("/status") == 200);

    // The same principal on another socket, and another user, see nothing.
    auto second = connect_as(*s.server, token);
    turns::require_error(frame(answer(*second, get_session(sid))), "SESSION_NOT_FOUND",
                         "session '" + sid + "' not found", "r-get");
    auto alice = connect_as(*s.server, "tok-alice");
    turns::require_error(frame(answer(*alice, get_session(sid))), "SESSION_NOT_FOUND",
                         "session '" + sid + "' not found", "r-get");
  }
}

TEST_CASE("ws identity: single-user modes are unscoped", "[identity]") {
  scoped_server s(frozen_clock(), /*single_user=*/true);
  auto alice = connect_as(*s.server, "tok-alice");
  const auto sid = create(*alice, "r-create").str("/data/sessionId");
  for (const char* token : {"tok-bob", ""}) {
    INFO("token: " << token);
    auto other = connect_as(*s.server, token);
    CHECK(frame(answer(*other, get_session(sid))).integer("/status") == 200);
  }
}

TEST_CASE("ws identity: the principal's email wins over the frame's userEmail", "[identity]") {
  scoped_server s(frozen_clock(), /*single_user=*/false);
  auto alice = connect_as(*s.server, "tok-alice");
  auto created = create(*alice, "r-create", std::string("mallory@evil.test"));
  const auto user_id = created.str("/data/userParticipantId");
  auto user = s.storage->get_participant(user_id);
  REQUIRE(user);
  CHECK(user->email == std::optional<std::string>("alice@acme.test"));

  // Anonymous (and email-less) connections keep the frame's email.
  auto anon = connect_as(*s.server, "");
  auto anon_created = create(*anon, "r-create", std::string("visitor@example.test"));
  auto visitor = s.storage->get_participant(anon_created.str("/data/userParticipantId"));
  REQUIRE(visitor);
  CHECK(visitor->email == std::optional<std::string>("visitor@example.test"));

  // A user-scoped stranger cannot claim Alice's conversation through its frame email.
  auto bob = connect_as(*s.server, "tok-bob");
  auto bobs = create(*bob, "r-create", std::string("alice@acme.test"));
  auto bob_user = s.storage->get_participant(bobs.str("/data/userParticipantId"));
  REQUIRE(bob_user);
  CHECK(bob_user->email == std::optional<std::string>("bob@acme.test"));
}

TEST_CASE("ws identity: a verified connection is reachable as its User and Org targets",
          "[identity]") {
  scoped_server s(frozen_clock(), /*single_user=*/false);
  auto alice = connect_as(*s.server, "tok-alice");
  auto bob = connect_as(*s.server, "tok-bob");
  auto anon = connect_as(*s.server, "");
  turns::require_pong_next(*anon);  // the anonymous connection has an actor too

  // A pong proves the connection actor exists; it sent its associations to the
  // backplane before it could answer, so a publish queued after them sees them.
  turns::require_pong_next(*alice);
  turns::require_pong_next(*bob);

  const std::string org_event = R"({"type":"notice","text":"org"})";
  const std::string user_event = R"({"type":"notice","text":"user"})";
  CHECK(s.server->publish("org", "acme", org_event) == 2);
  CHECK(s.server->publish("user", "u-alice", user_event) == 1);
  CHECK(s.server->publish("user", "u-nobody", user_event) == 0);
  CHECK(s.server->publish("org", "reference-org", org_event) == 0);

  CHECK(alice->read(5s) == std::optional<std::string>(org_event));
  CHECK(alice->read(5s) == std::optional<std::string>(user_event));
  CHECK(bob->read(5s) == std::optional<std::string>(org_event));
  turns::require_pong_next(*bob);   // nothing else was delivered to Bob
  turns::require_pong_next(*anon);  // nor to the anonymous connection
}

}  // namespace so::test::identity
