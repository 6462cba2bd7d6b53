// tests/server/cross_process_turn_test.cpp — confirm, cancel and TURN_IN_PROGRESS of a
// turn that runs on another process (issue 10 item 4; docs/architecture.md
// "Confirmations and cancel"; actors/turn_control.hpp).
//
// Two in-process servers A and B share one memory_broker (each has its own bus, so its
// own origin) and one memory_storage (the "same database"): a session created on A is
// found by B. Turns park on a delete_record confirmation. A bare bus client ("spy")
// stands in for a third process where a test needs to see the bus itself.
#include "actors/backplane_subjects.hpp"
#include "actors/turn_control.hpp"
#include "adapters/backplane/memory_bus.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "tests/server/turn_test_support.hpp"

#include <condition_variable>
#include <future>

namespace so::test::turns {

namespace {

namespace bp = adapters::backplane;

/// One server of the pair: its own bus on the shared broker, the shared storage.
struct node {
  bp::message_bus_ptr bus;
  std::shared_ptr<llm::scripted_provider> script;
  std::unique_ptr<net::server> server;

  node(bp::memory_broker& broker, const adapters::storage_ptr& storage,
       std::vector<llm::script_entry> entries)
      : bus(broker.connect()),
        script(std::make_shared<llm::scripted_provider>(std::move(entries))) {
    auto o = base_options();
    o.config.confirm_tools = {"delete"};
    o.config.confirm_timeout = 30'000ms;
    o.llm_override = script;
    o.extra_tools.push_back(
        std::make_shared<adapters::tools::fixed_result_tool>("delete_record", "deleted"));
    o.storage = storage;
    o.bus = bus;
    server = std::make_unique<net::server>(std::move(o));
  }
};

struct two_servers {
  bp::memory_broker broker;
  std::shared_ptr<adapters::memory_storage> storage = std::make_shared<adapters::memory_storage>();
  node a;
  node b;
  /// Subscriptions of each bus with no connection and no turn.
  std::uint64_t a_baseline = 0;
  std::uint64_t b_baseline = 0;

  explicit two_servers(std::vector<llm::script_entry> a_script,
                       std::vector<llm::script_entry> b_script = {})
      : a(broker, storage, std::move(a_script)), b(broker, storage, std::move(b_script)) {
    a_baseline = a.bus->stats().subscriptions;
    b_baseline = b.bus->stats().subscriptions;
  }
};

/// Frames published on one subject, collected by a bare bus client. Thread-safe.
class subject_spy {
 public:
  subject_spy(bp::memory_broker& broker, const std::string& subject) : bus_(broker.connect()) {
    REQUIRE(bus_->subscribe(subject, [this](bp::bus_message&& m) {
      std::lock_guard lk(mu_);
      frames_.push_back(std::move(m.payload));
      cv_.notify_all();
    }));
  }
  /// The next frame published on the subject (deadline `timeout`).
  frame next(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lk(mu_);
    const bool got = cv_.wait_for(lk, timeout, [&] { return frames_.size() > read_; });
    INFO("no further frame on the bus within " << timeout.count() << " ms");
    REQUIRE(got);
    return frame(frames_[read_++]);
  }
  /// The next frame, which must be of `type`.
  frame expect(const std::string& type) {
    auto f = next();
    INFO("frame: " << f.text());
    REQUIRE(f.type() == type);
    return f;
  }
  /// Frames up to the terminal event of `rid`.
  std::vector<frame> read_turn(const std::string& rid) {
    std::vector<frame> out;
    for (;;) {
      out.push_back(next(kTurnDeadline));
      const auto t = out.back().type();
      if (out.back().rid() == rid && (t == "eventual_response" || t == "cancelled" || t == "error"))
        return out;
    }
  }
  bp::message_bus& bus() { return *bus_; }

 private:
  bp::message_bus_ptr bus_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> frames_;
  std::size_t read_ = 0;
};

/// A control request as another process sends it; waits for the outcome.
bp::bus_reply ask(bp::message_bus& bus, const std::string& sid, const std::string& payload) {
  std::promise<bp::bus_reply> p;
  auto f = p.get_future();
  bus.request(actors::control_subject(sid), payload, actors::control_request_timeout,
              [&p](bp::bus_reply&& r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

/// Polls (deadline 5 s) until `bus` holds exactly `n` subscriptions, then asserts it.
void require_subscriptions(const bp::message_bus& bus, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (bus.stats().subscriptions != n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  REQUIRE(bus.stats().subscriptions == n);
}

void require_confirm_ack(const frame& f, const std::string& rid, bool approved) {
  INFO("frame: " << f.text());
  REQUIRE(f.type() == "immediate_response");
  CHECK(f.rid() == rid);
  CHECK(f.integer("/status") == 200);
  CHECK(f.str("/message") == (approved ? "Tool action approved" : "Tool action rejected"));
}

/// The connection's client went away and the server noticed (the turn stays parked).
void close_and_wait(std::unique_ptr<ws_client>& ws, net::server& server) {
  ws->close();
  ws.reset();
  require_attached(server, 0);
}

}  // namespace

TEST_CASE(
    "cross-process turn: the owner answers a confirm on its control subject and the "
    "rest of the turn goes to the asker's Connection subject",
    "[hitl][backplane]") {
  two_servers fx({tool_call("delete_record", R"({"id":"42"})"), text("Done.")});
  auto ws = connect(*fx.a.server);
  const auto sid = create_session_id(*ws);
  park_on_confirmation(*ws, sid, "r-turn");
  close_and_wait(ws, *fx.a.server);  // the client moved away: the rest goes to the confirmer

  subject_spy spy(fx.broker, actors::event_subject(actors::target_kind::connection, "conn-far"));
  // Garbage and unknown ops are refused without touching the park.
  CHECK_FALSE(actors::control_reply_ok(ask(spy.bus(), sid, "not json")));
  CHECK_FALSE(actors::control_reply_ok(ask(spy.bus(), sid, R"({"op":"nope","connectionId":"x"})")));
  CHECK(fx.a.server->stats().live_confirmations == 1);

  auto reply = ask(spy.bus(), sid, actors::confirm_request_payload(true, "conn-far"));
  REQUIRE(reply.outcome == bp::request_outcome::replied);
  CHECK(reply.payload == R"({"ok":true})");
  auto frames = spy.read_turn("r-turn");
  require_tool_result(frames.front(), "delete_record", false, "deleted");
  require_reply(frames.back(), "r-turn", "Done.");

  // The turn is over: no actor left, nobody answers its control subject any more.
  require_quiescent(*fx.a.server);
  CHECK(ask(spy.bus(), sid, actors::confirm_request_payload(true, "conn-far")).outcome ==
        bp::request_outcome::no_responders);
  require_subscriptions(*fx.a.bus, fx.a_baseline);
}

namespace {

/// A parked turn on A whose client left, confirmed over the bus for "conn-far" (the
/// spy's subject): the turn's rest is carried by conn-far and parks again on delete 43.
struct carried_elsewhere {
  two_servers fx{{tool_call("delete_record", R"({"id":"42"})"),
                  tool_call("delete_record", R"({"id":"43"})"), text("all done")}};
  std::string sid;
  std::unique_ptr<subject_spy> spy;

  carried_elsewhere() {
    auto ws = connect(*fx.a.server);
    sid = create_session_id(*ws);
    park_on_confirmation(*ws, sid, "r-turn");
    close_and_wait(ws, *fx.a.server);
    spy = std::make_unique<subject_spy>(
        fx.broker, actors::event_subject(actors::target_kind::connection, "conn-far"));
    REQUIRE(actors::control_reply_ok(
        ask(spy->bus(), sid, actors::confirm_request_payload(true, "conn-far"))));
    require_tool_result(spy->next(), "delete_record", false, "deleted");
    spy->expect("write_confirmation_required");
    CHECK(spy->expect("stream_chunk").chunk_kind() == "toolCall");
  }
};

}  // namespace

TEST_CASE(
    "cross-process turn: a cancel over the control subject from a connection that "
    "does not carry the turn cancels nothing",
    "[hitl][backplane]") {
  carried_elsewhere c;
  // The turn exists (ok), but it is carried by conn-far: it ignores conn-other.
  CHECK(actors::control_reply_ok(
      ask(c.spy->bus(), c.sid, actors::cancel_request_payload("conn-other"))));
  // That cancel reached the turn before this verdict does (session order): had it been
  // obeyed, the turn would end `cancelled` instead of answering.
  REQUIRE(actors::control_reply_ok(
      ask(c.spy->bus(), c.sid, actors::confirm_request_payload(false, "conn-far"))));
  auto frames = c.spy->read_turn("r-turn");
  require_tool_result(frames.front(), "delete_record", true,
                      "blocked by hook: User denied: user rejected the action");
  require_reply(frames.back(), "r-turn", "all done");
  require_quiescent(*c.fx.a.server);
  require_subscriptions(*c.fx.a.bus, c.fx.a_baseline);
}

TEST_CASE(
    "cross-process turn: a cancel over the control subject from the connection that "
    "carries the turn cancels it",
    "[hitl][backplane]") {
  carried_elsewhere c;
  CHECK(actors::control_reply_ok(
      ask(c.spy->bus(), c.sid, actors::cancel_request_payload("conn-far"))));
  auto frames = c.spy->read_turn("r-turn");
  REQUIRE(frames.size() == 1);
  require_cancelled(frames.back(), "r-turn");
  require_quiescent(*c.fx.a.server);
  require_subscriptions(*c.fx.a.bus, c.fx.a_baseline);
  CHECK(c.fx.a.script->remaining() == 1);  // the cancelled turn made no further LLM call
}

TEST_CASE(
    "cross-process turn: confirm on B with nothing parked anywhere answers "
    "NO_PENDING_CONFIRMATION",
    "[hitl][backplane]") {
  two_servers fx({text("unused")});
  auto a = connect(*fx.a.server);
  const auto sid = create_session_id(*a);
  auto b = connect(*fx.b.server);
  confirm(*b, sid, true, "r-b");
  require_error(expect(*b, "error"), "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid),
                "r-b");
  // B's cancel of nothing emits nothing.
  cancel(*b, "r-c", sid);
  require_pong_next(*b);
}

TEST_CASE(
    "cross-process turn: send_message on B while A's turn is parked gets "
    "TURN_IN_PROGRESS (the storage turn lease, bus on)",
    "[hitl][backplane][turn]") {
  two_servers fx({tool_call("delete_record", R"({"id":"42"})"), text("Done.")},
                 {text("B answers")});
  auto a = connect(*fx.a.server);
  const auto sid = create_session_id(*a);
  park_on_confirmation(*a, sid, "r-a");

  auto b = connect(*fx.b.server);
  send_message(*b, sid, "r-b", "are you there?");
  require_error(expect(*b, "error"), "TURN_IN_PROGRESS", kTurnInProgress, "r-b");
  CHECK(fx.b.script->remaining() == 1);  // the refused turn consumed nothing

  confirm(*a, sid, true, "r-yes");
  require_confirm_ack(next_frame(*a), "r-yes", true);
  require_reply(read_turn(*a, "r-a").back(), "r-a", "Done.");
  // The lease was released before the terminal event: B's turn is accepted at once.
  start_turn(*b, sid, "r-b2", "now?");
  require_reply(read_turn(*b, "r-b2").back(), "r-b2", "B answers");
  require_quiescent(*fx.a.server);
  require_quiescent(*fx.b.server);
}

TEST_CASE("cross-process turn: simultaneous confirms on A and B get exactly one ack",
          "[hitl][backplane]") {
  two_servers fx({tool_call("delete_record", R"({"id":"42"})"), text("Done.")});
  auto a = connect(*fx.a.server);
  const auto sid = create_session_id(*a);
  park_on_confirmation(*a, sid, "r-turn");
  auto b = connect(*fx.b.server);
  require_pong_next(*b);  // B's connection is up before the race starts

  confirm(*b, sid, true, "r-b");
  confirm(*a, sid, true, "r-a");
  // A's client gets the rest of the turn (its socket is open) and its own answer, in an
  // order that depends on the race; B's answer is one frame.
  auto b_frame = next_frame(*b);
  auto a_frames = read_turn(*a, "r-turn");
  const auto answered = [&] {
    return std::any_of(a_frames.begin(), a_frames.end(),
                       [](const frame& f) { return f.rid() == "r-a"; });
  };
  if (!answered()) a_frames.push_back(next_frame(*a));
  REQUIRE(answered());
  const auto a_acks = of_type(a_frames, "immediate_response");
  const bool b_acked = b_frame.type() == "immediate_response";
  INFO("B: " << b_frame.text());
  CHECK(a_acks.size() + (b_acked ? 1u : 0u) == 1u);
  if (b_acked) {
    require_confirm_ack(b_frame, "r-b", true);
    const auto errors = of_type(a_frames, "error");
    REQUIRE(errors.size() == 1);
    require_error(errors.front(), "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid), "r-a");
  } else {
    require_error(b_frame, "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid), "r-b");
    require_confirm_ack(a_acks.front(), "r-a", true);
  }
  const auto terminal = std::find_if(a_frames.begin(), a_frames.end(), [](const frame& f) {
    return f.rid() == "r-turn" && f.type() == "eventual_response";
  });
  REQUIRE(terminal != a_frames.end());
  require_reply(*terminal, "r-turn", "Done.");
  require_quiescent(*fx.a.server);
}

TEST_CASE("cross-process turn: with the owner process gone, B answers locally",
          "[hitl][backplane]") {
  two_servers fx({tool_call("delete_record", R"({"id":"42"})"), text("Done.")});
  std::string sid;
  {
    auto a = connect(*fx.a.server);
    sid = create_session_id(*a);
    park_on_confirmation(*a, sid, "r-turn");
    a->close();
  }
  fx.a.server.reset();  // A stops: its parked turn and its control subscription go with it
  auto b = connect(*fx.b.server);
  confirm(*b, sid, true, "r-b");
  require_error(expect(*b, "error"), "NO_PENDING_CONFIRMATION", no_pending_confirmation(sid),
                "r-b");
  cancel(*b, "r-c", sid);
  require_pong_next(*b);
}

namespace {

/// A turn parked on A whose client then left; B's client is connected.
struct parked_on_a {
  two_servers fx;
  std::string sid;
  std::unique_ptr<ws_client> b;

  explicit parked_on_a(std::vector<llm::script_entry> script) : fx(std::move(script)) {
    auto a = connect(*fx.a.server);
    sid = create_session_id(*a);
    park_on_confirmation(*a, sid, "r-turn");
    close_and_wait(a, *fx.a.server);
    b = connect(*fx.b.server);
  }
};

}  // namespace

TEST_CASE("cross-process turn: approve on B — the ack first, then the rest of A's turn on B",
          "[hitl][backplane]") {
  parked_on_a p({tool_call("delete_record", R"({"id":"42"})"), text("Done.")});
  confirm(*p.b, p.sid, true, "r-yes");
  require_confirm_ack(next_frame(*p.b), "r-yes", true);
  auto frames = read_turn(*p.b, "r-turn");
  require_tool_result(frames.front(), "delete_record", false, "deleted");
  CHECK(tokens(frames) == "Done.");
  require_reply(frames.back(), "r-turn", "Done.");
  require_quiescent(*p.fx.a.server);
  require_subscriptions(*p.fx.a.bus, p.fx.a_baseline);
  CHECK(p.fx.b.server->stats().live_turns == 0);
  // The turn ran on A (B's mock was never called) and its reply is stored once.
  CHECK(p.fx.b.script->requests().empty());
  CHECK(stored_messages(*p.b, p.sid) ==
        stored{{"inbound", "delete record 42"}, {"outbound", "Done."}});
  // A second confirm finds nothing anywhere.
  confirm(*p.b, p.sid, true, "r-again");
  require_error(expect(*p.b, "error"), "NO_PENDING_CONFIRMATION", no_pending_confirmation(p.sid),
                "r-again");
}

TEST_CASE("cross-process turn: deny on B — the ack, then the denied tool result and the reply",
          "[hitl][backplane]") {
  parked_on_a p({tool_call("delete_record", R"({"id":"42"})"), text("Not deleted.")});
  confirm(*p.b, p.sid, false, "r-no");
  require_confirm_ack(next_frame(*p.b), "r-no", false);
  auto frames = read_turn(*p.b, "r-turn");
  require_tool_result(frames.front(), "delete_record", true,
                      "blocked by hook: User denied: user rejected the action");
  require_reply(frames.back(), "r-turn", "Not deleted.");
  require_quiescent(*p.fx.a.server);
  require_subscriptions(*p.fx.a.bus, p.fx.a_baseline);
}

TEST_CASE("cross-process turn: B cancels the turn of A it carries after confirming",
          "[hitl][backplane]") {
  parked_on_a p({tool_call("delete_record", R"({"id":"42"})"),
                 tool_call("delete_record", R"({"id":"43"})"), text("never")});
  confirm(*p.b, p.sid, true, "r-yes");
  require_confirm_ack(next_frame(*p.b), "r-yes", true);
  CHECK(expect(*p.b, "stream_chunk").chunk_kind() == "toolResult");
  expect(*p.b, "write_confirmation_required");
  CHECK(expect(*p.b, "stream_chunk").chunk_kind() == "toolCall");

  cancel(*p.b, "r-stop");
  auto frames = read_turn(*p.b, "r-turn");
  REQUIRE(frames.size() == 1);
  require_cancelled(frames.back(), "r-turn");
  CHECK(p.fx.a.script->remaining() == 1);
  require_quiescent(*p.fx.a.server);
  require_subscriptions(*p.fx.a.bus, p.fx.a_baseline);
  // B's client leaves: B's bus is back to where it started too.
  p.b->close();
  require_attached(*p.fx.b.server, 0);
  require_subscriptions(*p.fx.b.bus, p.fx.b_baseline);
}

TEST_CASE(
    "cross-process turn: B's cancel of a turn it confirmed but does not carry does "
    "nothing",
    "[hitl][backplane]") {
  two_servers fx({tool_call("delete_record", R"({"id":"42"})"),
                  tool_call("delete_record", R"({"id":"43"})"), text("a finished")});
  auto a = connect(*fx.a.server);
  const auto sid = create_session_id(*a);
  park_on_confirmation(*a, sid, "r-turn");
  auto b = connect(*fx.b.server);
  confirm(*b, sid, true, "r-yes");
  require_confirm_ack(next_frame(*b), "r-yes", true);
  // A's socket is open: the turn goes on there and parks again.
  CHECK(expect(*a, "stream_chunk").chunk_kind() == "toolResult");
  expect(*a, "write_confirmation_required");
  CHECK(expect(*a, "stream_chunk").chunk_kind() == "toolCall");

  cancel(*b, "r-b-stop", sid);
  require_pong_next(*b);  // B sent its cancel request…
  fx.broker.flush();      // …and A's session has it before A's confirm below
  confirm(*a, sid, true, "r-yes-2");
  require_confirm_ack(next_frame(*a), "r-yes-2", true);
  auto frames = read_turn(*a, "r-turn");
  require_reply(frames.back(), "r-turn", "a finished");
  CHECK(of_type(frames, "cancelled").empty());
  require_pong_next(*b);  // nothing of the turn reached B
  require_quiescent(*fx.a.server);
}

}  // namespace so::test::turns
