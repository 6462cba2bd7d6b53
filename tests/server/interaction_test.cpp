// Rich Interactions through a whole server (issue 12 item 1; later-protocol.md §1,
// decisions.md "Newer protocol"): the park and its resolutions, every submit_interaction
// error, the timeout, cancel, a second connection, the composition with HITL, and the
// conversational fallback. Every case ends with no live turn, confirmation or
// interaction actor.
#include "adapters/tools/fixed_result_tool.hpp"
#include "tests/server/turn_test_support.hpp"

namespace so::test::turns {
namespace {

constexpr const char* kIntakeArgs =
    R"({"fields":[{"key":"name","required":false},{"key":"email","required":true}],"reason":"to send you the quote"})";

struct interaction_server {
  std::shared_ptr<llm::scripted_provider> script;
  std::unique_ptr<net::server> server;

  explicit interaction_server(std::vector<llm::script_entry> entries,
                              std::chrono::milliseconds timeout = 30'000ms,
                              std::vector<std::string> confirm_tools = {})
      : script(std::make_shared<llm::scripted_provider>(std::move(entries))) {
    auto o = base_options();
    o.config.interaction_timeout = timeout;
    o.config.confirm_tools = std::move(confirm_tools);
    o.config.confirm_timeout = 30'000ms;
    o.llm_override = script;
    o.extra_tools.push_back(
        std::make_shared<adapters::tools::fixed_result_tool>("delete_record", "deleted"));
    server = std::make_unique<net::server>(std::move(o));
  }
};

/// No turn, confirmation or interaction actor outlives its case.
void require_all_quiet(net::server& server) {
  require_quiescent(server);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.stats().live_interactions != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  CHECK(server.stats().live_interactions == 0);
}

std::string create_with_supports(ws_client& ws, const std::string& supports) {
  ws.send_text(std::string(R"({"action":"create_conversation_session","requestId":"r-create",)") +
               R"("agentId":")" + kAgentId + R"(","userEmail":"alice@example.com","supports":)" +
               supports + "}");
  auto f = expect(ws, "immediate_response");
  REQUIRE(f.integer("/status") == 200);
  return f.str("/data/sessionId");
}

/// Starts a turn whose model raises identity intake and waits for the park:
/// interaction_required, then the held toolCall chunk, then silence. Returns the id.
std::string park_intake(ws_client& ws, const std::string& sid, const std::string& rid) {
  start_turn(ws, sid, rid, "send me a quote");
  auto ir = expect(ws, "interaction_required");
  CHECK(ir.rid() == rid);
  CHECK(ir.str("/data/requestId") == rid);
  CHECK(ir.str("/data/data/kind") == "identity_intake");
  CHECK(ir.str("/data/data/reason") == "to send you the quote");
  CHECK(ir.boolean("/data/data/spec/fields/0/required") == false);
  CHECK_FALSE(ir.has("/status"));
  const auto id = ir.str("/data/data/interactionId");
  REQUIRE(id.size() == 36);
  require_tool_call(expect(ws, "stream_chunk"), "request_identity_intake", kIntakeArgs);
  auto more = ws.read(200ms);
  INFO("unexpected frame while parked: " << more.value_or(""));
  CHECK_FALSE(more.has_value());
  return id;
}

std::string submit_frame(const std::string& rid, const std::string& sid, const std::string& id,
                         const std::string& rest) {
  return R"({"action":"submit_interaction","requestId":)" + quote(rid) + R"(,"sessionId":)" +
         quote(sid) + R"(,"interactionId":)" + quote(id) + rest + "}";
}

std::string no_pending_interaction(const std::string& sid) {
  return "no interaction is awaiting submission for session '" + sid + "'";
}

}  // namespace

TEST_CASE("interactions: a submit from a second connection resumes the parked turn",
          "[interactions]") {
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("Thanks!")});
  auto ws = connect(*fx.server);
  auto other = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form"])");
  const auto id = park_intake(*ws, sid, "r-msg");
  CHECK(fx.server->stats().live_interactions == 1);

  other->send_text(submit_frame(
      "r-2", sid, id,
      R"(,"kind":"identity_intake","values":{"name":" Alice ","email":"Alice@Example.COM"})"));
  auto ack = expect(*other, "immediate_response");
  CHECK(ack.rid() == "r-2");
  CHECK(ack.integer("/status") == 200);
  CHECK(ack.str("/message") == "Interaction submitted");
  CHECK(ack.str("/data/sessionId") == sid);
  CHECK(ack.str("/data/interactionId") == id);
  CHECK(ack.str("/data/kind") == "identity_intake");
  CHECK(ack.str("/data/values/email") == "Alice@example.com");
  CHECK(ack.str("/data/values/name") == "Alice");

  // The resumed turn's events go to the turn's own connection.
  auto frames = read_turn(*ws, "r-msg");
  require_tool_result(
      frames[0], "request_identity_intake", false,
      R"({"status":"submitted","values":{"email":"Alice@example.com","name":"Alice"}})");
  require_reply(frames.back(), "r-msg", "Thanks!");
  require_all_quiet(*fx.server);

  // A duplicate submit after success finds nothing.
  other->send_text(submit_frame("r-3", sid, id, R"(,"values":{"name":"A"})"));
  require_error(expect(*other, "error"), "NO_PENDING_INTERACTION", no_pending_interaction(sid),
                "r-3");
}

TEST_CASE("interactions: every submit_interaction error, and the park survives them",
          "[interactions]") {
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("Got it.")});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form","x"])");
  const auto idle_sid = create_with_supports(*ws, "[]");
  const auto id = park_intake(*ws, sid, "r-msg");

  ws->send_text(R"({"action":"submit_interaction","sessionId":")" + sid + R"("})");
  auto f = expect(*ws, "error");
  CHECK_FALSE(f.has("/requestId"));
  CHECK(f.str("/error/code") == "VALIDATION_ERROR");
  CHECK(f.str("/error/message") == "submit_interaction requires a 'requestId'");

  ws->send_text(R"({"action":"submit_interaction","requestId":"r-a"})");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR",
                "submit_interaction requires a 'sessionId'", "r-a");

  ws->send_text(submit_frame("r-b", "no-such-session", id, R"(,"values":{})"));
  require_error(expect(*ws, "error"), "NO_PENDING_INTERACTION",
                no_pending_interaction("no-such-session"), "r-b");
  ws->send_text(submit_frame("r-c", idle_sid, id, R"(,"values":{})"));
  require_error(expect(*ws, "error"), "NO_PENDING_INTERACTION", no_pending_interaction(idle_sid),
                "r-c");

  const std::string mismatch =
      "the submitted 'interactionId' does not match the pending interaction";
  ws->send_text(R"({"action":"submit_interaction","requestId":"r-d","sessionId":")" + sid +
                R"(","values":{}})");
  require_error(expect(*ws, "error"), "INTERACTION_MISMATCH", mismatch, "r-d");
  ws->send_text(submit_frame("r-e", sid, "stale-interaction-id", R"(,"values":{})"));
  require_error(expect(*ws, "error"), "INTERACTION_MISMATCH", mismatch, "r-e");
  ws->send_text(submit_frame("r-f", sid, id, R"(,"kind":"choices","values":{})"));
  require_error(expect(*ws, "error"), "INTERACTION_MISMATCH",
                "the pending interaction is 'identity_intake', not 'choices'", "r-f");
  ws->send_text(submit_frame("r-g", sid, id, R"(,"kind":"identity_intake","declined":"true")"));
  require_error(expect(*ws, "error"), "VALIDATION_ERROR",
                "submit_interaction requires 'values' (or 'declined': true)", "r-g");

  // Invalid values: interaction_invalid, retryable.
  ws->send_text(submit_frame("r-h", sid, id, R"(,"values":null)"));
  auto inv = expect(*ws, "interaction_invalid");
  CHECK(inv.rid() == "r-h");
  CHECK(inv.str("/data/data/errors/0/field") == "values");
  ws->send_text(submit_frame("r-i", sid, id, R"(,"values":{})"));
  inv = expect(*ws, "interaction_invalid");
  CHECK(inv.str("/data/data/errors/0/message") ==
        "provide at least one of name/email/phone, or declined=true");
  ws->send_text(submit_frame("r-j", sid, id, R"(,"values":{"name":"A","email":"not-an-email"})"));
  inv = expect(*ws, "interaction_invalid");
  CHECK(inv.str("/data/data/interactionId") == id);
  CHECK(inv.str("/data/data/kind") == "identity_intake");
  CHECK(inv.size("/data/data/errors") == 1);
  CHECK(inv.str("/data/data/errors/0/field") == "email");
  CHECK(inv.str("/data/data/errors/0/message") == "must be a valid email address");
  CHECK(inv.str("/data/data/message") == "Some fields need attention.");
  ws->send_text(submit_frame("r-k", sid, id, R"(,"values":{"phone":"12345"})"));
  inv = expect(*ws, "interaction_invalid");
  CHECK(inv.size("/data/data/errors") == 2);
  CHECK(inv.str("/data/data/errors/0/message") == "this field is required");

  // A parked turn is the active turn: send_message is refused, pings are answered.
  send_message(*ws, sid, "r-busy", "hello?");
  require_error(expect(*ws, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-busy");
  require_pong_next(*ws);

  // The park survived all of it.
  CHECK(fx.server->stats().live_interactions == 1);
  ws->send_text(submit_frame("r-msg", sid, id, R"(,"values":{"email":"alice@example.com"})"));
  auto ack = expect(*ws, "immediate_response");
  CHECK(ack.str("/message") == "Interaction submitted");
  auto frames = read_turn(*ws, "r-msg");
  require_tool_result(frames[0], "request_identity_intake", false,
                      R"({"status":"submitted","values":{"email":"alice@example.com"}})");
  require_reply(frames.back(), "r-msg", "Got it.");
  require_all_quiet(*fx.server);
}

TEST_CASE("interactions: declined resolves the park with the declined payload", "[interactions]") {
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("No problem.")});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form"])");
  const auto id = park_intake(*ws, sid, "r-msg");
  ws->send_text(submit_frame("r-msg", sid, id, R"(,"declined":true)"));
  auto ack = expect(*ws, "immediate_response");
  CHECK(ack.str("/message") == "Interaction declined");
  CHECK(ack.boolean("/data/declined") == true);
  CHECK(ack.str("/data/interactionId") == id);
  CHECK(ack.str("/data/sessionId") == sid);
  auto frames = read_turn(*ws, "r-msg");
  REQUIRE(frames[0].chunk_kind() == "toolResult");
  CHECK(frames[0].str("/data/state/rawResponse/toolResult/result").find(R"("status":"declined")") !=
        std::string::npos);
  require_reply(frames.back(), "r-msg", "No problem.");
  require_all_quiet(*fx.server);
}

TEST_CASE(
    "interactions: a park that times out gives the model no_response, and a late submit "
    "finds nothing",
    "[interactions]") {
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("Moving on.")},
                        300ms);
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form"])");
  start_turn(*ws, sid, "r-msg", "send me a quote");
  auto ir = expect(*ws, "interaction_required");
  const auto id = ir.str("/data/data/interactionId");
  auto frames = read_turn(*ws, "r-msg");
  REQUIRE(frames.size() >= 3);
  require_tool_call(frames[0], "request_identity_intake", kIntakeArgs);
  require_tool_result(
      frames[1], "request_identity_intake", false,
      R"({"message":"The visitor did not respond to the card. Continue without it; you may offer again later if it becomes relevant.","status":"no_response"})");
  require_reply(frames.back(), "r-msg", "Moving on.");
  require_all_quiet(*fx.server);
  ws->send_text(submit_frame("r-late", sid, id, R"(,"values":{"email":"alice@example.com"})"));
  require_error(expect(*ws, "error"), "NO_PENDING_INTERACTION", no_pending_interaction(sid),
                "r-late");
}

TEST_CASE("interactions: cancel while parked ends the turn and the park", "[interactions]") {
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("unused")});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form"])");
  const auto id = park_intake(*ws, sid, "r-msg");
  cancel(*ws, "r-cancel", sid);
  require_cancelled(expect(*ws, "cancelled"), "r-msg");
  require_all_quiet(*fx.server);
  ws->send_text(submit_frame("r-old", sid, id, R"(,"values":{"email":"alice@example.com"})"));
  require_error(expect(*ws, "error"), "NO_PENDING_INTERACTION", no_pending_interaction(sid),
                "r-old");
}

TEST_CASE(
    "interactions: after the parked turn's socket closes, a new connection submits "
    "and receives the rest of the turn",
    "[interactions]") {
  // decisions.md: a disconnect does not abort the turn; the park waits (as a
  // confirmation does) for a submit from any connection, or for its timeout.
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("Welcome back.")});
  std::string sid, id;
  {
    auto ws = connect(*fx.server);
    sid = create_with_supports(*ws, R"(["identity_form"])");
    id = park_intake(*ws, sid, "r-msg");
  }  // the socket closes while the turn is parked
  CHECK(fx.server->stats().live_interactions == 1);
  auto again = connect(*fx.server);
  again->send_text(submit_frame("r-back", sid, id, R"(,"values":{"email":"alice@example.com"})"));
  CHECK(expect(*again, "immediate_response").str("/message") == "Interaction submitted");
  auto frames = read_turn(*again, "r-msg");
  require_tool_result(frames[0], "request_identity_intake", false,
                      R"({"status":"submitted","values":{"email":"alice@example.com"}})");
  require_reply(frames.back(), "r-msg", "Welcome back.");
  require_all_quiet(*fx.server);
}

TEST_CASE("interactions: an interaction and a HITL confirmation in the same turn",
          "[interactions][hitl]") {
  interaction_server fx({tool_call("delete_record", R"({"id":"42"})"),
                         tool_call("request_identity_intake", kIntakeArgs), text("All done.")},
                        30'000ms, {"delete"});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form"])");
  start_turn(*ws, sid, "r-msg", "delete 42 and send me a quote");
  expect(*ws, "write_confirmation_required");
  require_tool_call(expect(*ws, "stream_chunk"), "delete_record", R"({"id":"42"})");
  // Separate slots: a submit never resolves the confirmation.
  ws->send_text(submit_frame("r-x", sid, "whatever", R"(,"declined":true)"));
  require_error(expect(*ws, "error"), "NO_PENDING_INTERACTION", no_pending_interaction(sid), "r-x");
  confirm(*ws, sid, true, "r-ok");
  CHECK(expect(*ws, "immediate_response").str("/message") == "Tool action approved");
  require_tool_result(expect(*ws, "stream_chunk"), "delete_record", false, "deleted");
  auto ir = expect(*ws, "interaction_required");
  const auto id = ir.str("/data/data/interactionId");
  require_tool_call(expect(*ws, "stream_chunk"), "request_identity_intake", kIntakeArgs);
  // ... and a confirm never resolves the interaction.
  confirm(*ws, sid, true, "r-ok2");
  require_error(expect(*ws, "error"), "NO_PENDING_CONFIRMATION",
                "no tool action is awaiting confirmation for session '" + sid + "'", "r-ok2");
  ws->send_text(submit_frame("r-msg", sid, id, R"(,"values":{"email":"alice@example.com"})"));
  CHECK(expect(*ws, "immediate_response").str("/message") == "Interaction submitted");
  auto frames = read_turn(*ws, "r-msg");
  require_tool_result(frames[0], "request_identity_intake", false,
                      R"({"status":"submitted","values":{"email":"alice@example.com"}})");
  require_reply(frames.back(), "r-msg", "All done.");
  require_all_quiet(*fx.server);
}

TEST_CASE("interactions: a gated raise tool confirms first, then parks after its chunk",
          "[interactions][hitl]") {
  interaction_server fx({tool_call("request_identity_intake", kIntakeArgs), text("Thanks.")},
                        30'000ms, {"request_identity"});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form"])");
  start_turn(*ws, sid, "r-msg", "quote please");
  expect(*ws, "write_confirmation_required");
  require_tool_call(expect(*ws, "stream_chunk"), "request_identity_intake", kIntakeArgs);
  confirm(*ws, sid, true, "r-ok");
  expect(*ws, "immediate_response");
  auto ir = expect(*ws, "interaction_required");  // no second toolCall chunk
  auto more = ws->read(200ms);
  CHECK_FALSE(more.has_value());
  ws->send_text(submit_frame("r-msg", sid, ir.str("/data/data/interactionId"),
                             R"(,"values":{"email":"alice@example.com"})"));
  expect(*ws, "immediate_response");
  auto frames = read_turn(*ws, "r-msg");
  CHECK(frames[0].chunk_kind() == "toolResult");
  require_reply(frames.back(), "r-msg", "Thanks.");
  require_all_quiet(*fx.server);
}

TEST_CASE(
    "interactions: without the capability the raise falls back to conversation, and the "
    "generic submit tool validates against the same-turn raise",
    "[interactions]") {
  interaction_server fx(
      {tool_call("request_identity_intake", kIntakeArgs),
       tool_call("submit_interaction", R"({"kind":"identity_intake","values":{"name":"Al"}})"),
       tool_call("submit_interaction",
                 R"({"kind":"identity_intake","values":{"email":"al@example.com"}})"),
       text("Sure.")});
  auto ws = connect(*fx.server);
  const auto sid = create_session_id(*ws);  // no supports
  start_turn(*ws, sid, "r-msg", "quote");
  auto frames = read_turn(*ws, "r-msg");
  CHECK(index_of(frames, "interaction_required") == frames.size());
  REQUIRE(frames.size() >= 7);
  require_tool_call(frames[0], "request_identity_intake", kIntakeArgs);
  REQUIRE(frames[1].chunk_kind() == "toolResult");
  CHECK(frames[1].boolean("/data/state/rawResponse/toolResult/isError") == false);
  CHECK(frames[1]
            .str("/data/state/rawResponse/toolResult/result")
            .rfind(R"({"instructions":"This visitor's channel cannot display a form.)", 0) == 0);
  require_tool_result(
      frames[3], "submit_interaction", true,
      "error: validation failed — email: this field is required. Re-ask the visitor for the "
      "corrected value(s) and submit again.");
  require_tool_result(frames[5], "submit_interaction", false,
                      R"({"status":"submitted","values":{"email":"al@example.com"}})");
  require_reply(frames.back(), "r-msg", "Sure.");
  // The model was offered both raise tools and the generic submit tool.
  const auto requests = fx.script->requests();
  REQUIRE_FALSE(requests.empty());
  std::vector<std::string> names;
  for (const auto& t : requests[0].tools) names.push_back(t.name);
  CHECK(std::count(names.begin(), names.end(), "request_identity_intake") == 1);
  CHECK(std::count(names.begin(), names.end(), "request_choices") == 1);
  CHECK(std::count(names.begin(), names.end(), "submit_interaction") == 1);
  require_all_quiet(*fx.server);
}

TEST_CASE(
    "interactions: a session rendering both kinds gets no generic submit tool, and a bad "
    "raise is an ordinary tool error without a park",
    "[interactions]") {
  interaction_server fx(
      {tool_call("request_identity_intake", R"({"fields":["ssn"]})"), text("Okay.")});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["identity_form","choice_chips"])");
  start_turn(*ws, sid, "r-msg", "quote");
  auto frames = read_turn(*ws, "r-msg");
  CHECK(index_of(frames, "interaction_required") == frames.size());
  require_tool_call(frames[0], "request_identity_intake", R"({"fields":["ssn"]})");
  require_tool_result(frames[1], "request_identity_intake", true,
                      "error: unknown intake field 'ssn' (expected name, email, or phone)");
  const auto requests = fx.script->requests();
  REQUIRE_FALSE(requests.empty());
  for (const auto& t : requests[0].tools) CHECK(t.name != "submit_interaction");
  require_all_quiet(*fx.server);
}

TEST_CASE("interactions: choices park and resume with the canonical answers", "[interactions]") {
  const std::string args =
      R"({"questions":[{"question":"Which plan?","header":"Plan","options":["Starter","Pro"]},{"question":"Seats?","header":"Seats","options":["1","5"],"multiSelect":true}]})";
  interaction_server fx({tool_call("request_choices", args), text("Pro it is.")});
  auto ws = connect(*fx.server);
  const auto sid = create_with_supports(*ws, R"(["choice_chips"])");
  start_turn(*ws, sid, "r-msg", "quote");
  auto ir = expect(*ws, "interaction_required");
  CHECK(ir.str("/data/data/kind") == "choices");
  CHECK(ir.str("/data/data/reason") == "to help you better");
  CHECK(ir.str("/data/data/spec/questions/0/options/1/description") == "");
  CHECK(ir.boolean("/data/data/spec/questions/1/multiSelect") == true);
  const auto id = ir.str("/data/data/interactionId");
  require_tool_call(expect(*ws, "stream_chunk"), "request_choices", args);
  ws->send_text(submit_frame(
      "r-msg", sid, id,
      R"(,"kind":"choices","values":{"answers":[{"header":"Plan","options":["Gold"]}]})"));
  auto inv = expect(*ws, "interaction_invalid");
  CHECK(inv.size("/data/data/errors") == 2);
  CHECK(inv.str("/data/data/errors/0/message") == "'Gold' is not one of the offered options");
  CHECK(inv.str("/data/data/errors/1/field") == "Seats");
  ws->send_text(submit_frame(
      "r-msg", sid, id,
      R"(,"values":{"answers":[{"header":"Seats","options":["1","5"]},{"header":"Plan","other":"Enterprise"}]})"));
  expect(*ws, "immediate_response");
  auto frames = read_turn(*ws, "r-msg");
  require_tool_result(
      frames[0], "request_choices", false,
      R"({"status":"submitted","values":{"answers":[{"header":"Plan","options":[],"other":"Enterprise"},{"header":"Seats","options":["1","5"]}]}})");
  require_reply(frames.back(), "r-msg", "Pro it is.");
  require_all_quiet(*fx.server);
}

}  // namespace so::test::turns
