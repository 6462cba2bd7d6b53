// OTP identity verification through a whole server (issue 12 item 5; later-protocol.md §5,
// decisions.md "OTP tool gate"): the tool auth gate (SMOOTH_AGENT_AUTH_TOOLS), the
// end-of-turn otp_verification_required / otp_sent / OTP_SEND_FAILED, verify_otp with each
// of its answers, and the webhook service (SMOOTH_AGENT_OTP_URL) against a real HTTP
// stand-in in this process. Every case ends with no live turn or confirmation actor.
#include "adapters/auth/otp_memory.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <map>
#include <mutex>

namespace so::test::turns {
namespace {

constexpr const char* kRefusal =
    "blocked by hook: I need to verify your identity before I can use pay_invoice. Please verify "
    "with a one-time code.";

/// The operator's OTP webhook, as a test stand-in: code 424242 for every session, 3
/// attempts, the documented JSON (docs/protocol.md); optionally slow or failing.
class webhook_host {
 public:
  webhook_host() : server_([this](const http_test_request& req) { return handle(req); }) {}

  std::string url() const { return server_.url("/otp"); }
  std::vector<http_test_request> requests() const { return server_.requests(); }
  void set_delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    delay_ = d;
  }

 private:
  http_test_response handle(const http_test_request& req) {
    std::lock_guard lock(mutex_);
    rapidjson::Document d;
    d.Parse(req.body.c_str());
    http_test_response r;
    r.content_type = "application/json";
    r.delay = delay_;
    const std::string op = d.HasMember("op") ? d["op"].GetString() : "";
    const std::string sid = d.HasMember("sessionId") ? d["sessionId"].GetString() : "";
    if (op == "send") {
      attempts_[sid] = 3;
      r.body = R"({"channel":"email","maskedDestination":"a***@example.com"})";
    } else if (op == "verify") {
      auto it = attempts_.find(sid);
      const std::string code = d["code"].GetString();
      if (it == attempts_.end()) {
        r.body =
            R"({"verified":false,"attemptsRemaining":0,"error":"NOT_FOUND","message":"No code."})";
      } else if (code == "424242") {
        attempts_.erase(it);
        r.body = R"({"verified":true})";
      } else {
        const int left = --it->second;
        if (left == 0) attempts_.erase(it);
        r.body =
            left == 0
                ? R"({"verified":false,"attemptsRemaining":0,"error":"MAX_ATTEMPTS","message":"Locked."})"
                : R"({"verified":false,"attemptsRemaining":)" + std::to_string(left) +
                      R"(,"error":"INVALID_CODE","message":"Wrong code."})";
      }
    } else {
      r.status = 400;
    }
    return r;
  }

  mutable std::mutex mutex_;
  std::map<std::string, int> attempts_;
  std::chrono::milliseconds delay_{0};
  http_test_server server_;  // last: stops before the state it uses
};

struct otp_server {
  std::shared_ptr<llm::scripted_provider> script;
  std::shared_ptr<adapters::memory_storage> storage = std::make_shared<adapters::memory_storage>();
  std::unique_ptr<net::server> server;

  /// `otp_url`: the webhook; `service`: an in-process service instead; neither: none.
  otp_server(std::vector<llm::script_entry> entries, std::string otp_url,
             adapters::auth::otp_service_ptr service = nullptr,
             std::chrono::milliseconds otp_timeout = 3000ms)
      : script(std::make_shared<llm::scripted_provider>(std::move(entries))) {
    auto o = base_options();
    o.llm_override = script;
    o.storage = storage;
    o.config.auth_tools = {"pay_invoice", "wipe_tenant:admin"};
    o.config.otp_url = std::move(otp_url);
    o.config.otp_token = "hook-secret";
    o.config.otp_timeout = otp_timeout;
    o.otp_service = std::move(service);
    o.extra_tools.push_back(
        std::make_shared<adapters::tools::fixed_result_tool>("pay_invoice", "paid"));
    o.extra_tools.push_back(
        std::make_shared<adapters::tools::fixed_result_tool>("wipe_tenant", "wiped"));
    server = std::make_unique<net::server>(std::move(o));
  }
};

std::string create_with_email(ws_client& ws, const char* email = "alice@example.com") {
  std::string frame = std::string(R"({"action":"create_conversation_session","requestId":"r-c",)") +
                      R"("agentId":")" + kAgentId + "\"";
  if (email) frame += std::string(R"(,"userEmail":")") + email + "\"";
  ws.send_text(frame + "}");
  auto f = expect(ws, "immediate_response");
  REQUIRE(f.integer("/status") == 200);
  return f.str("/data/sessionId");
}

void verify(ws_client& ws, const std::string& rid, const std::string& sid,
            const std::string& code) {
  ws.send_text(R"({"action":"verify_otp","requestId":)" + quote(rid) + R"(,"sessionId":)" +
               quote(sid) + R"(,"code":)" + quote(code) + "}");
}

void require_invalid(const frame& f, const std::string& rid, std::int64_t left,
                     const std::optional<std::string>& error, const std::string& message) {
  INFO("frame: " << f.text());
  REQUIRE(f.type() == "otp_invalid");
  CHECK(f.rid() == rid);
  CHECK(f.str("/data/requestId") == rid);
  CHECK(f.integer("/data/data/attemptsRemaining") == left);
  if (error)
    CHECK(f.str("/data/data/error") == *error);
  else
    CHECK_FALSE(f.has("/data/data/error"));
  CHECK(f.str("/data/data/message") == message);
  CHECK(f.integer("/timestamp").has_value());
}

/// A turn whose model calls pay_invoice and then answers `reply`: the refused call's
/// chunks, then the frames after the toolResult up to the terminal event.
std::vector<frame> refused_turn(ws_client& ws, const std::string& sid, const std::string& rid) {
  start_turn(ws, sid, rid, "pay my invoice");
  auto frames = read_turn(ws, rid);
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  require_tool_result(results[0], "pay_invoice", true, kRefusal);
  return frames;
}

std::size_t count_type(const std::vector<frame>& frames, const std::string& type) {
  return of_type(frames, type).size();
}

}  // namespace

TEST_CASE("otp: verify_otp frame errors use the exact texts", "[otp]") {
  webhook_host host;
  otp_server fx({}, host.url());
  auto ws = connect(*fx.server);

  ws->send_text(R"({"action":"verify_otp","sessionId":"s","code":"1"})");
  auto e = expect(*ws, "error");
  CHECK(e.str("/error/code") == "VALIDATION_ERROR");
  CHECK(e.str("/error/message") == "verify_otp requires a 'requestId'");
  CHECK_FALSE(e.has("/requestId"));
  CHECK_FALSE(e.has("/data/requestId"));

  ws->send_text(R"({"action":"verify_otp","requestId":"v1","sessionId":7,"code":"1"})");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR", "verify_otp requires a 'sessionId'",
                "v1");
  ws->send_text(R"({"action":"verify_otp","requestId":"v2","sessionId":"s"})");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR", "verify_otp requires a 'code'", "v2");
  ws->send_text(R"({"action":"verify_otp","requestId":"v3","sessionId":"s","code":123456})");
  require_error(expect(*ws, "error"), "VALIDATION_ERROR", "verify_otp requires a 'code'", "v3");

  verify(*ws, "v4", "no-such-session", "424242");
  require_error(expect(*ws, "error"), "SESSION_NOT_FOUND", "session 'no-such-session' not found",
                "v4");
  CHECK(host.requests().empty());  // nothing reached the webhook
}

TEST_CASE("otp: a gated tool is refused, the code is sent, verified, then the tool runs", "[otp]") {
  webhook_host host;
  otp_server fx({tool_call("pay_invoice", R"({"invoice":"INV-1"})"), text("Please verify first."),
                 tool_call("pay_invoice", R"({"invoice":"INV-1"})"), text("Paid.")},
                host.url());
  auto ws = connect(*fx.server);
  const auto sid = create_with_email(*ws);

  auto frames = refused_turn(*ws, sid, "r-msg");
  const auto required = index_of(frames, "otp_verification_required");
  const auto sent = index_of(frames, "otp_sent");
  REQUIRE(required < frames.size());
  REQUIRE(sent == required + 1);
  REQUIRE(sent + 1 == frames.size() - 1);  // then eventual_response, the last frame
  CHECK(index_of(frames, "stream_chunk", "toolResult") < required);
  const auto& r = frames[required];
  CHECK(r.rid() == "r-msg");
  CHECK(r.str("/data/requestId") == "r-msg");
  CHECK(r.str("/data/data/toolId") == "pay_invoice");
  CHECK(r.str("/data/data/actionDescription") ==
        "Verify your identity to continue using 'pay_invoice'.");
  CHECK(r.size("/data/data/availableChannels") == 1);
  CHECK(r.str("/data/data/availableChannels/0") == "email");
  CHECK(r.str("/data/data/authLevel") == "end_user");
  const auto& s = frames[sent];
  CHECK(s.rid() == "r-msg");
  CHECK(s.str("/data/data/channel") == "email");
  CHECK(s.str("/data/data/maskedDestination") == "a***@example.com");
  require_reply(frames.back(), "r-msg", "Please verify first.");

  // The webhook got the documented send body, with the operator's token.
  auto reqs = host.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].header("Authorization") == std::optional<std::string>("Bearer hook-secret"));
  frame body(reqs[0].body);
  CHECK(body.str("/op") == "send");
  CHECK(body.str("/sessionId") == sid);
  CHECK(body.str("/contact/email") == "alice@example.com");
  CHECK_FALSE(body.has("/contact/phone"));

  // A wrong code: the host's answer verbatim.
  verify(*ws, "v-1", sid, "000000");
  require_invalid(expect(*ws, "otp_invalid"), "v-1", 2, "INVALID_CODE", "Wrong code.");
  CHECK_FALSE(fx.storage->get_session(sid)->metadata.count("otpVerified"));

  verify(*ws, "v-2", sid, "424242");
  auto ok = expect(*ws, "otp_verified");
  CHECK(ok.rid() == "v-2");
  CHECK(ok.str("/data/requestId") == "v-2");
  CHECK(ok.str("/data/data/message") == "Identity verified successfully.");
  // Recorded in storage before the event was sent.
  CHECK(fx.storage->get_session(sid)->metadata.at("otpVerified") == "true");

  // The next turn runs the tool, and no OTP event follows.
  start_turn(*ws, sid, "r-2", "pay it now");
  auto second = read_turn(*ws, "r-2");
  auto results = of_type(second, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  require_tool_result(results[0], "pay_invoice", false, "paid");
  CHECK(count_type(second, "otp_verification_required") == 0);
  CHECK(count_type(second, "otp_sent") == 0);
  require_reply(second.back(), "r-2", "Paid.");
  CHECK(host.requests().size() == 3);  // send, two verifies
  require_quiescent(*fx.server);
}

TEST_CASE("otp: attempts run out with MAX_ATTEMPTS (in-process service)", "[otp]") {
  adapters::auth::otp_memory_options mo;
  mo.next_code = [] { return std::string("777777"); };
  auto service = std::make_shared<adapters::auth::otp_memory>(mo);
  otp_server fx({tool_call("pay_invoice"), text("Verify please.")}, "", service);
  auto ws = connect(*fx.server);
  const auto sid = create_with_email(*ws, "bob@example.com");

  auto frames = refused_turn(*ws, sid, "r-msg");
  auto sent = of_type(frames, "otp_sent");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].str("/data/data/maskedDestination") == "b***@example.com");
  REQUIRE(service->last_code(sid) == std::optional<std::string>("777777"));

  verify(*ws, "v-1", sid, "1");
  require_invalid(expect(*ws, "otp_invalid"), "v-1", 2, "INVALID_CODE", "The code is not correct.");
  verify(*ws, "v-2", sid, "");  // an empty code is passed through
  require_invalid(expect(*ws, "otp_invalid"), "v-2", 1, "INVALID_CODE", "The code is not correct.");
  verify(*ws, "v-3", sid, "2");
  require_invalid(expect(*ws, "otp_invalid"), "v-3", 0, "MAX_ATTEMPTS",
                  "Too many attempts; request a new code.");
  // Locked: the right code no longer helps; the session stays unverified.
  verify(*ws, "v-4", sid, "777777");
  require_invalid(expect(*ws, "otp_invalid"), "v-4", 0, "NOT_FOUND",
                  "No verification is in progress for this session.");
  CHECK_FALSE(fx.storage->get_session(sid)->metadata.count("otpVerified"));
  require_quiescent(*fx.server);
}

TEST_CASE("otp: with no service configured the flow fails closed", "[otp]") {
  otp_server fx({tool_call("pay_invoice"), text("I cannot."), tool_call("pay_invoice"),
                 text("Still cannot.")},
                "");
  auto ws = connect(*fx.server);
  const auto sid = create_with_email(*ws);

  auto frames = refused_turn(*ws, sid, "r-1");
  CHECK(count_type(frames, "otp_verification_required") == 0);
  CHECK(count_type(frames, "otp_sent") == 0);
  CHECK(count_type(frames, "error") == 0);
  require_reply(frames.back(), "r-1", "I cannot.");

  verify(*ws, "v-1", sid, "123456");
  require_invalid(expect(*ws, "otp_invalid"), "v-1", 0, "NOT_FOUND",
                  "No verification is in progress for this session.");
  CHECK_FALSE(fx.storage->get_session(sid)->metadata.count("otpVerified"));

  // Still refused on the next turn.
  auto again = refused_turn(*ws, sid, "r-2");
  require_reply(again.back(), "r-2", "Still cannot.");
  require_quiescent(*fx.server);
}

TEST_CASE("otp: a webhook that times out gives OTP_SEND_FAILED, then the turn still ends",
          "[otp]") {
  webhook_host host;
  host.set_delay(3000ms);
  otp_server fx({tool_call("pay_invoice"), text("Verify please.")}, host.url(), nullptr, 300ms);
  auto ws = connect(*fx.server);
  const auto sid = create_with_email(*ws);

  const auto t0 = std::chrono::steady_clock::now();
  start_turn(*ws, sid, "r-msg", "pay my invoice");
  // read_turn stops at the first error with the turn rid: OTP_SEND_FAILED.
  auto frames = read_turn(*ws, "r-msg");
  CHECK(frames[frames.size() - 2].type() == "otp_verification_required");
  require_error(frames.back(), "OTP_SEND_FAILED",
                "failed to send verification code: the verification service did not answer",
                "r-msg");
  // Not terminal: eventual_response follows for the same rid.
  require_reply(expect(*ws, "eventual_response"), "r-msg", "Verify please.");
  CHECK(std::chrono::steady_clock::now() - t0 < 2500ms);  // the deadline, not the webhook

  // The server is unharmed: the connection answers at once, the slot is free.
  require_pong_next(*ws);
  // verify_otp against the same slow webhook fails closed.
  verify(*ws, "v-1", sid, "424242");
  require_invalid(expect(*ws, "otp_invalid"), "v-1", 0, std::nullopt,
                  "Verification is unavailable right now; please try again later.");
  CHECK_FALSE(fx.storage->get_session(sid)->metadata.count("otpVerified"));
  require_quiescent(*fx.server);
}

TEST_CASE("otp: a contact captured by identity intake in the same turn is OTP-reachable", "[otp]") {
  // later-protocol.md §1.14 + §5.2: the conversational submit stamps contactEmail and
  // contactPhone on the session; the end-of-turn OTP step reads them.
  adapters::auth::otp_memory_options mo;
  mo.next_code = [] { return std::string("555555"); };
  auto service = std::make_shared<adapters::auth::otp_memory>(mo);
  otp_server fx({tool_call("submit_interaction",
                           R"({"kind":"identity_intake","values":{"email":"carol@example.com",)"
                           R"("phone":"(555) 123-4567"}})",
                           "call-1"),
                 tool_call("pay_invoice", "{}", "call-2"), text("Check your inbox.")},
                "", service);
  auto ws = connect(*fx.server);
  const auto sid = create_with_email(*ws, nullptr);  // no contact at create

  start_turn(*ws, sid, "r-1", "I am Carol, pay my invoice");
  auto frames = read_turn(*ws, "r-1");
  auto results = of_type(frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 2);
  CHECK(results[0].boolean("/data/state/rawResponse/toolResult/isError") == false);
  require_tool_result(results[1], "pay_invoice", true, kRefusal);
  auto required = of_type(frames, "otp_verification_required");
  REQUIRE(required.size() == 1);
  CHECK(required[0].size("/data/data/availableChannels") == 2);
  CHECK(required[0].str("/data/data/availableChannels/0") == "email");
  CHECK(required[0].str("/data/data/availableChannels/1") == "sms");
  auto sent = of_type(frames, "otp_sent");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].str("/data/data/channel") == "email");
  CHECK(sent[0].str("/data/data/maskedDestination") == "c***@example.com");
  require_reply(frames.back(), "r-1", "Check your inbox.");
  CHECK(service->last_code(sid) == std::optional<std::string>("555555"));
  require_quiescent(*fx.server);
}

TEST_CASE("otp: no contact, an admin tool, a failing send", "[otp]") {
  auto service = std::make_shared<adapters::auth::otp_memory>();
  otp_server fx({tool_call("pay_invoice"), text("a"), tool_call("wipe_tenant"), text("b"),
                 tool_call("pay_invoice"), text("c")},
                "", service);
  auto ws = connect(*fx.server);

  SECTION("without a contact the refusal stands silently") {
    const auto sid = create_with_email(*ws, nullptr);
    auto frames = refused_turn(*ws, sid, "r-1");
    CHECK(count_type(frames, "otp_verification_required") == 0);
    CHECK(service->sends() == 0);
  }
  SECTION("an admin tool is refused and never triggers OTP") {
    const auto sid = create_with_email(*ws);
    start_turn(*ws, sid, "r-1", "x");
    read_turn(*ws, "r-1");  // the pay_invoice turn (OTP sent)
    CHECK(service->sends() == 1);
    start_turn(*ws, sid, "r-2", "wipe it");
    auto frames = read_turn(*ws, "r-2");
    auto results = of_type(frames, "stream_chunk", "toolResult");
    REQUIRE(results.size() == 1);
    require_tool_result(results[0], "wipe_tenant", true,
                        "blocked by hook: Tool 'wipe_tenant' requires admin authentication and is "
                        "not available on public-facing agents.");
    CHECK(count_type(frames, "otp_verification_required") == 0);
    CHECK(service->sends() == 1);
  }
  SECTION("a send the service refuses is OTP_SEND_FAILED with its detail") {
    service->fail_sends(true);
    const auto sid = create_with_email(*ws);
    start_turn(*ws, sid, "r-1", "x");
    auto frames = read_turn(*ws, "r-1");
    require_error(frames.back(), "OTP_SEND_FAILED",
                  "failed to send verification code: delivery refused", "r-1");
    require_reply(expect(*ws, "eventual_response"), "r-1", "a");
  }
  require_quiescent(*fx.server);
}

}  // namespace so::test::turns
