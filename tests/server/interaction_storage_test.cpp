// `supports` persistence (issue 12 item 1; later-protocol.md §1.2): the conversation's
// metadata gets `clientSupports`, the session's metadata `supports`, in the in-memory
// adapter and in PostgreSQL — where a rich session still parks after a restart (the
// capability set is hydrated from storage). PG cases need SMOOTH_AGENT_TEST_DATABASE_URL.
#include "adapters/storage/memory_storage.hpp"
#include "protocol/interactions.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg/test_database.hpp"

namespace so::test::turns {
namespace {

constexpr const char* kArgs = R"({"fields":["email"],"reason":"to send you the quote"})";

std::string create_frame(const std::string& extra) {
  return std::string(R"({"action":"create_conversation_session","requestId":"r-create",)") +
         R"("agentId":")" + kAgentId + R"(","userEmail":"alice@example.com")" + extra + "}";
}

std::string created_session(ws_client& ws, const std::string& extra) {
  ws.send_text(create_frame(extra));
  auto f = expect(ws, "immediate_response");
  REQUIRE(f.integer("/status") == 200);
  return f.str("/data/sessionId");
}

void check_stored(adapters::storage& st, const std::string& sid,
                  const std::optional<std::string>& conversation_metadata,
                  const std::optional<std::string>& session_supports) {
  auto s = st.get_session(sid);
  REQUIRE(s.has_value());
  auto c = st.get_conversation(s->conversation_id);
  REQUIRE(c.has_value());
  CHECK(c->metadata_json == conversation_metadata);
  auto it = s->metadata.find("supports");
  CHECK((it == s->metadata.end() ? std::nullopt : std::optional(it->second)) == session_supports);
  CHECK(s->metadata.at("contactEmail") == "\"alice@example.com\"");
}

/// An in-memory server with a scripted model that is never called, and one connection.
struct memory_server {
  std::shared_ptr<adapters::memory_storage> storage = std::make_shared<adapters::memory_storage>();
  std::unique_ptr<net::server> server;
  std::unique_ptr<ws_client> ws;
  memory_server() {
    auto o = base_options();
    o.storage = storage;
    o.llm_override = std::make_shared<llm::scripted_provider>();
    server = std::make_unique<net::server>(std::move(o));
    ws = connect(*server);
  }
};

}  // namespace

TEST_CASE("interactions: supports is stored on the conversation and the session (memory)",
          "[interactions]") {
  memory_server m;
  auto& storage = m.storage;
  auto& ws = m.ws;

  auto sid = created_session(*ws, R"(,"supports":["identity_form","x",5],"metadata":{"page":"/"})");
  check_stored(*storage, sid, std::string(R"({"page":"/","clientSupports":["identity_form","x"]})"),
               std::string(R"(["identity_form","x"])"));
  // A non-object metadata is discarded when a list is stored.
  sid = created_session(*ws, R"(,"supports":["choice_chips"],"metadata":"text")");
  check_stored(*storage, sid, std::string(R"({"clientSupports":["choice_chips"]})"),
               std::string(R"(["choice_chips"])"));
  // Undeclared, or empty: the metadata is verbatim and no list is written.
  sid = created_session(*ws, R"(,"metadata":[1,2])");
  check_stored(*storage, sid, std::string("[1,2]"), std::nullopt);
  sid = created_session(*ws, R"(,"supports":[])");
  check_stored(*storage, sid, std::nullopt, std::nullopt);
}

TEST_CASE("interactions: a resumed session inherits the conversation's supports",
          "[interactions][resume]") {
  memory_server m;
  auto& storage = m.storage;
  auto& ws = m.ws;
  const auto first = created_session(*ws, R"(,"supports":["identity_form"])");
  const auto conv = storage->get_session(first)->conversation_id;
  const std::string resume = R"(,"conversationId":")" + conv + R"(")";
  // Undeclared: the stored list carries over to the new session.
  auto sid = created_session(*ws, resume);
  CHECK(storage->get_session(sid)->conversation_id == conv);
  check_stored(*storage, sid, std::string(R"({"clientSupports":["identity_form"]})"),
               std::string(R"(["identity_form"])"));
  // Declared: it replaces the conversation's list (an empty one removes it).
  sid = created_session(*ws, resume + R"(,"supports":["choice_chips"])");
  check_stored(*storage, sid, std::string(R"({"clientSupports":["choice_chips"]})"),
               std::string(R"(["choice_chips"])"));
  sid = created_session(*ws, resume + R"(,"supports":[])");
  check_stored(*storage, sid, std::string("{}"), std::nullopt);
  sid = created_session(*ws, resume);
  check_stored(*storage, sid, std::string("{}"), std::nullopt);
}

TEST_CASE("interactions: an accepted identity intake is recorded on the user participant",
          "[interactions]") {
  // decisions.md "Newer protocol": also written to the session's user participant.
  auto storage = std::make_shared<adapters::memory_storage>();
  auto o = base_options();
  o.storage = storage;
  o.llm_override = std::make_shared<llm::scripted_provider>(
      std::vector<llm::script_entry>{tool_call("request_identity_intake", kArgs), text("Thanks.")});
  net::server server(std::move(o));
  auto ws = connect(server);
  auto sid = created_session(*ws, R"(,"userName":"Visitor 1","supports":["identity_form"])");
  start_turn(*ws, sid, "r-msg", "quote");
  auto ir = expect(*ws, "interaction_required");
  expect(*ws, "stream_chunk");
  ws->send_text(
      R"({"action":"submit_interaction","requestId":"r-msg","sessionId":)" + quote(sid) +
      R"(,"interactionId":)" + quote(ir.str("/data/data/interactionId")) +
      R"(,"values":{"name":"Alice Example","email":"Alice@Example.COM","phone":"555.123.4567"}})");
  CHECK(expect(*ws, "immediate_response").str("/message") == "Interaction submitted");
  require_reply(read_turn(*ws, "r-msg").back(), "r-msg", "Thanks.");
  const auto user_id = storage->get_session(sid)->user_participant_id;
  // The participant write is a storage job after the in-memory stamp: wait for it.
  CHECK(eventually([&] {
    auto p = storage->get_participant(user_id);
    return p && p->name == "Alice Example";
  }));
  auto p = storage->get_participant(user_id);
  REQUIRE(p);
  CHECK(p->email == std::optional<std::string>("Alice@example.com"));
  CHECK(p->phone == std::optional<std::string>("+15551234567"));
  require_quiescent(server);
}

TEST_CASE("interactions: a rich session parks after a restart on postgres",
          "[interactions][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  pg::fresh_database db(server_url);
  auto pg_options = [&](std::vector<llm::script_entry> script) {
    auto o = base_options();
    o.config.storage = adapters::storage_backend::postgres;
    o.config.database_url = db.url();
    o.llm_override = std::make_shared<llm::scripted_provider>(std::move(script));
    return o;
  };
  std::string sid;
  {
    net::server first(pg_options({}));
    auto ws = connect(first);
    sid = created_session(*ws, R"(,"supports":["identity_form"],"metadata":{"page":"/"})");
  }
  net::server second(pg_options({tool_call("request_identity_intake", kArgs), text("Thanks.")}));
  auto ws = connect(second);
  start_turn(*ws, sid, "r-msg", "quote");
  auto ir = expect(*ws, "interaction_required");
  require_tool_call(expect(*ws, "stream_chunk"), "request_identity_intake", kArgs);
  ws->send_text(R"({"action":"submit_interaction","requestId":"r-msg","sessionId":)" + quote(sid) +
                R"(,"interactionId":)" + quote(ir.str("/data/data/interactionId")) +
                R"(,"values":{"email":"alice@example.com"}})");
  CHECK(expect(*ws, "immediate_response").str("/message") == "Interaction submitted");
  require_reply(read_turn(*ws, "r-msg").back(), "r-msg", "Thanks.");
  require_quiescent(second);
  CHECK(second.stats().live_interactions == 0);
}

}  // namespace so::test::turns
