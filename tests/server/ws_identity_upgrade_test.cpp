// tests/server/ws_identity_upgrade_test.cpp — `/ws?token=` verified once at the upgrade
// (admin-auth.md §1.9, §9 strict WS auth): strict-mode 401s, anonymous degradation, the
// principal's org on created sessions, asynchronous verification answered on another
// thread, and the connection slot never leaking on refused or abandoned upgrades.
#include "tests/server/ws_identity_support.hpp"

namespace so::test::identity {
namespace {

using turns::base_options;

struct identity_server {
  std::shared_ptr<adapters::memory_storage> storage = std::make_shared<adapters::memory_storage>();
  std::unique_ptr<net::server> server;

  explicit identity_server(auth::authenticator_ptr a, bool strict = false,
                           std::size_t max_connections = 50'000) {
    auto o = base_options();
    o.storage = storage;
    o.authenticator = std::move(a);
    o.config.ws_auth_required = strict;
    o.config.max_connections = max_connections;
    server = std::make_unique<net::server>(std::move(o));
  }

  /// The org stamped on the conversation, both participants and the session.
  void require_org(const frame& created, const std::string& org) {
    const auto conv = created.str("/data/conversationId");
    auto c = storage->get_conversation(conv);
    REQUIRE(c);
    CHECK(c->organization_id == org);
    for (const auto& p : storage->list_participants_by_conversation(conv))
      CHECK(p.organization_id == org);
    auto s = storage->get_session(created.str("/data/sessionId"));
    REQUIRE(s);
    CHECK(s->organization_id == org);
  }
};

std::shared_ptr<map_authenticator> acme_tokens(bool single_user = false) {
  return std::make_shared<map_authenticator>(
      std::map<std::string, auth::principal>{
          {"tok-alice", make_principal("u-alice", "acme", "alice@acme.test")}},
      single_user);
}

/// Upgrades until one is accepted (the slot of an ended upgrade is given back
/// asynchronously); null after 5 s. Safe on any thread (no Catch2 assertion).
std::unique_ptr<ws_client> connect_when_slot_free(net::server& server, const std::string& token) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      return connect_as(server, token);
    } catch (const std::exception&) {
      std::this_thread::sleep_for(20ms);  // polls the slot: no event to wait on
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("ws identity: strict mode refuses a missing or blank token with 401 UNAUTHENTICATED",
          "[identity]") {
  identity_server s(acme_tokens(), /*strict=*/true);
  for (const char* target : {"/ws", "/ws?token=", "/ws?token=%20+%09", "/ws?other=1"}) {
    INFO(target);
    auto reply = upgrade_reply(s.server->port(), target);
    CHECK(reply.status == 401);
    CHECK(reply.header("Content-Type") == std::optional<std::string>("application/json"));
    frame body(reply.body);
    CHECK(body.type() == "error");
    CHECK(body.str("/error/code") == "UNAUTHENTICATED");
    CHECK(body.str("/data/error/code") == "UNAUTHENTICATED");
    CHECK_FALSE(body.has("/requestId"));
    CHECK(body.integer("/timestamp") > 0);
  }
}

TEST_CASE(
    "ws identity: strict mode refuses an invalid token with 401 INVALID_TOKEN, never echoing "
    "it",
    "[identity]") {
  auto tokens = acme_tokens();
  identity_server s(tokens, /*strict=*/true);
  auto reply = upgrade_reply(s.server->port(), "/ws?token=forged-secret-value");
  CHECK(reply.status == 401);
  frame body(reply.body);
  CHECK(body.str("/error/code") == "INVALID_TOKEN");
  CHECK(body.str("/data/error/code") == "INVALID_TOKEN");
  CHECK(reply.body.find("forged-secret-value") == std::string::npos);
  CHECK(tokens->calls() == 1);

  // A valid token still connects (URL-decoded and trimmed before verification).
  auto ws = connect_as(*s.server, "%20tok-alice%20");
  turns::require_pong_next(*ws);
}

TEST_CASE("ws identity: a null authenticator in strict mode refuses every upgrade", "[identity]") {
  identity_server s(nullptr, /*strict=*/true);
  CHECK(upgrade_reply(s.server->port(), "/ws").status == 401);
  auto reply = upgrade_reply(s.server->port(), "/ws?token=anything");
  CHECK(reply.status == 401);
  CHECK(frame(reply.body).str("/error/code") == "INVALID_TOKEN");
}

TEST_CASE("ws identity: refused upgrades give their connection slot back", "[identity]") {
  identity_server s(acme_tokens(), /*strict=*/true, /*max_connections=*/1);
  for (int i = 0; i < 5; ++i) {
    CHECK(upgrade_reply(s.server->port(), "/ws?token=bad").status == 401);
    CHECK(upgrade_reply(s.server->port(), "/ws").status == 401);
  }
  // The only slot is free: a valid upgrade gets it (a leaked slot would answer 503).
  auto ws = connect_when_slot_free(*s.server, "tok-alice");
  REQUIRE(ws);
  turns::require_pong_next(*ws);
}

TEST_CASE("ws identity: without strict mode an invalid or missing token connects anonymously",
          "[identity]") {
  identity_server s(acme_tokens());
  for (const char* token : {"", "not-a-valid-token"}) {
    INFO("token: " << token);
    auto ws = connect_as(*s.server, token);
    auto created = create(*ws, "r-create");
    // Anonymous: no principal org, so the session falls to the seed org.
    s.require_org(created, "reference-org");
  }
}

TEST_CASE("ws identity: a verified token's org is stamped on the sessions it creates",
          "[identity]") {
  identity_server s(acme_tokens());
  auto ws = connect_as(*s.server, "tok-alice");
  auto created = create(*ws, "r-create");
  s.require_org(created, "acme");
}

TEST_CASE("ws identity: a verification answered later on another thread completes the upgrade",
          "[identity]") {
  auto held = std::make_shared<held_authenticator>(std::map<std::string, auth::principal>{
      {"tok-alice", make_principal("u-alice", "acme", "alice@acme.test")}});
  identity_server s(held);
  // The client blocks in its handshake until the verifier answers: run it on a thread.
  std::unique_ptr<ws_client> ws;
  std::thread client([&] {
    try {
      ws = connect_as(*s.server, "tok-alice");
    } catch (const std::exception&) {
    }
  });
  REQUIRE(held->wait_pending(1));
  held->answer_all_from_another_thread();
  client.join();
  REQUIRE(ws);
  auto created = create(*ws, "r-create");
  s.require_org(created, "acme");
}

TEST_CASE("ws identity: a client that disconnects during a pending verification ends cleanly",
          "[identity]") {
  auto held = std::make_shared<held_authenticator>(std::map<std::string, auth::principal>{
      {"tok-alice", make_principal("u-alice", "acme", "alice@acme.test")}});
  identity_server s(held, /*strict=*/false, /*max_connections=*/1);

  SECTION("the verifier answers after the client left") {
    {
      http_connection conn("127.0.0.1", s.server->port(), 500ms);
      std::thread sender([&] {
        // The request waits for an answer that never comes: the client gives up first.
        try {
          conn.request({"GET",
                        "/ws?token=tok-alice",
                        {{"Connection", "Upgrade"},
                         {"Upgrade", "websocket"},
                         {"Sec-WebSocket-Version", "13"},
                         {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}},
                        ""});
        } catch (const std::exception&) {
        }
      });
      REQUIRE(held->wait_pending(1));
      sender.join();  // the client's 500 ms timeout ends the request
    }                 // the client's socket is closed here, the verification still pending
    held->answer_all_from_another_thread();
  }
  SECTION("the verifier drops the verification unanswered") {
    std::thread client([&] {
      try {
        connect_as(*s.server, "tok-alice");
      } catch (const std::exception&) {
      }
    });
    REQUIRE(held->wait_pending(1));
    held->drop_all();  // the upgrade is abandoned: the server closes the socket
    client.join();
  }

  // The server is unharmed and the only slot came back.
  std::unique_ptr<ws_client> ws;
  std::atomic<bool> connected{false};
  std::thread client([&] {
    ws = connect_when_slot_free(*s.server, "tok-alice");
    connected.store(true);
  });
  // Each attempt is parked by the verifier: answer until the client got in.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!connected.load() && std::chrono::steady_clock::now() < deadline) {
    if (held->wait_pending(1, 50ms)) held->answer_all_from_another_thread();
  }
  client.join();
  REQUIRE(ws);
  turns::require_pong_next(*ws);
}

}  // namespace so::test::identity
