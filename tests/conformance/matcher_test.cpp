// tests/conformance/matcher_test.cpp — the scenario matcher and runner against canned frames.
//
// Pins protocol.md §6.3 (state machine, look-ahead, repeat runs, accumulation,
// dot paths, equality, capture/substitution, skipped frames) without a server.
#include "tests/support/harness/matcher.hpp"
#include "tests/support/harness/json_path.hpp"
#include "tests/support/harness/scenario.hpp"
#include "tests/support/harness/scenario_runner.hpp"
#include "tests/support/harness/substitution.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

using namespace so::test;

namespace {

// Frames served in order; running out behaves like a read timeout.
class canned_channel final : public frame_channel {
 public:
  explicit canned_channel(std::vector<std::string> frames)
      : frames_(frames.begin(), frames.end()) {}
  std::optional<std::string> next_frame(std::chrono::milliseconds) override {
    if (frames_.empty()) return std::nullopt;
    std::string f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }
  std::string end_reason() const override { return "canned frames exhausted"; }
  void send_text(const std::string& frame) override { sent.push_back(frame); }

  std::size_t left() const { return frames_.size(); }
  std::vector<std::string> sent;

 private:
  std::deque<std::string> frames_;
};

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::vector<matcher> matchers(const std::string& json_array) {
  const auto doc = parse(json_array);
  std::vector<matcher> out;
  for (const auto& m : doc.GetArray()) out.push_back(parse_matcher(m));
  return out;
}

std::optional<std::string> run(const std::string& expect, canned_channel& events) {
  variables vars;
  return match_step(matchers(expect), events, vars, std::chrono::milliseconds(10));
}

const std::string token_a = R"({"type":"stream_token","token":"Hel","data":{"token":"Hel"}})";
const std::string token_b = R"({"type":"stream_token","token":"lo","data":{"token":"lo"}})";
const std::string final_ev =
    R"({"type":"eventual_response","status":200,"data":{"data":{"response":{"responseParts":["Hello"]}}}})";

}  // namespace

TEST_CASE("json_equal compares numbers by value and structure exactly", "[matcher]") {
  CHECK(json_equal(parse("200"), parse("200.0")));
  CHECK(json_equal(parse("-3"), parse("-3.0")));
  CHECK_FALSE(json_equal(parse("200"), parse("201")));
  CHECK_FALSE(json_equal(parse("200"), parse("\"200\"")));
  CHECK_FALSE(json_equal(parse("true"), parse("1")));
  CHECK_FALSE(json_equal(parse("null"), parse("false")));
  CHECK(json_equal(parse(R"(["a",1,{"b":null}])"), parse(R"(["a",1.0,{"b":null}])")));
  CHECK_FALSE(json_equal(parse(R"(["a","b"])"), parse(R"(["b","a"])")));
  CHECK_FALSE(json_equal(parse(R"(["a"])"), parse(R"(["a","a"])")));
  CHECK(json_equal(parse(R"({"x":1,"y":[2]})"), parse(R"({"y":[2],"x":1})")));
  CHECK_FALSE(json_equal(parse(R"({"x":1})"), parse(R"({"x":1,"y":2})")));
}

TEST_CASE("dot paths index arrays with numeric segments and never invent null", "[matcher]") {
  const auto doc = parse(R"({"a":{"list":[{"id":"x"},{"id":"y"}],"0":"key","n":null}})");
  REQUIRE(resolve_path(doc, "a.list.1.id") != nullptr);
  CHECK(std::string(resolve_path(doc, "a.list.1.id")->GetString()) == "y");
  CHECK(std::string(resolve_path(doc, "a.0")->GetString()) == "key");  // object: "0" is a key
  CHECK(resolve_path(doc, "a.list.2.id") == nullptr);
  CHECK(resolve_path(doc, "a.list.id") == nullptr);
  CHECK(resolve_path(doc, "a.missing") == nullptr);
  CHECK(resolve_path(doc, "a.list.0.id.deeper") == nullptr);
  REQUIRE(resolve_path(doc, "a.n") != nullptr);
  CHECK(resolve_path(doc, "a.n")->IsNull());
}

TEST_CASE("a repeat matcher accumulates the run and hands the next event on", "[matcher]") {
  canned_channel events(
      {R"({"type":"immediate_response","status":202})", token_a, token_b, final_ev});
  CHECK_FALSE(run(R"([{"type":"immediate_response","status":202},
                      {"type":"stream_token","repeat":true,"accumulate":"token","assertAccumulated":"Hello"},
                      {"type":"eventual_response","status":200,
                       "assert":{"data.data.response.responseParts":["Hello"]}}])",
                  events));
  CHECK(events.left() == 0);
}

TEST_CASE("accumulation concatenates the top-level field only", "[matcher]") {
  canned_channel events(
      {R"({"type":"stream_token","token":"A","data":{"token":"X"}})", token_b, final_ev});
  const auto failure = run(
      R"([{"type":"stream_token","repeat":true,"accumulate":"token","assertAccumulated":"Xlo"}])",
      events);
  REQUIRE(failure);
  CHECK_THAT(*failure, Catch::Contains("accumulated 'Alo'"));
}

TEST_CASE("a repeat run may be empty", "[matcher]") {
  SECTION("without assertAccumulated it matches zero events") {
    canned_channel events({final_ev});
    CHECK_FALSE(run(R"([{"type":"stream_token","repeat":true,"accumulate":"token"},
                        {"type":"eventual_response"}])",
                    events));
  }
  SECTION("assertAccumulated then fails on the empty text") {
    canned_channel events({final_ev});
    const auto failure = run(
        R"([{"type":"stream_token","repeat":true,"accumulate":"token","assertAccumulated":"Hello"},
            {"type":"eventual_response"}])",
        events);
    REQUIRE(failure);
    CHECK_THAT(*failure, Catch::Contains("matcher #0") && Catch::Contains("accumulated ''"));
  }
}

TEST_CASE("a look-ahead left after the last matcher is discarded", "[matcher]") {
  canned_channel events({token_a, final_ev, R"({"type":"error"})"});
  CHECK_FALSE(run(R"([{"type":"stream_token","repeat":true}])", events));
  // The run's terminating event was consumed (and dropped); the next one was not read.
  CHECK(events.left() == 1);
}

TEST_CASE("an extra event makes the next matcher fail", "[matcher]") {
  canned_channel events({R"({"type":"immediate_response","status":202})",
                         R"({"type":"stream_chunk","node":"x"})", final_ev});
  const auto failure = run(R"([{"type":"immediate_response","status":202},
                               {"type":"eventual_response","status":200}])",
                           events);
  REQUIRE(failure);
  CHECK_THAT(*failure,
             Catch::Contains("matcher #1 of 2") &&
                 Catch::Contains("expected type 'eventual_response' but got 'stream_chunk'") &&
                 Catch::Contains(R"(actual event: {"type":"stream_chunk","node":"x"})"));
}

TEST_CASE("pong and keepalive frames are skipped everywhere", "[matcher]") {
  canned_channel events({R"({"type":"pong","data":{"timestamp":1}})",
                         R"({"type":"immediate_response","status":202})",
                         R"({"type":"keepalive","data":{}})", token_a, R"({"type":"pong"})",
                         token_b, R"({"type":"keepalive"})", final_ev});
  CHECK_FALSE(run(R"([{"type":"immediate_response"},
                      {"type":"stream_token","repeat":true,"accumulate":"token","assertAccumulated":"Hello"},
                      {"type":"eventual_response"}])",
                  events));
}

TEST_CASE("a missing event fails instead of hanging", "[matcher]") {
  canned_channel events({R"({"type":"pong"})"});
  const auto failure = run(R"([{"type":"error"}])", events);
  REQUIRE(failure);
  CHECK_THAT(*failure, Catch::Contains("expected a 'error' event") &&
                           Catch::Contains("canned frames exhausted"));
}

TEST_CASE("status, statusGte and assert checks", "[matcher]") {
  const std::string ev = R"({"type":"error","error":{"code":"X","n":null},"items":[1,2]})";
  const auto check = [&](const std::string& m) {
    canned_channel events({ev});
    return run("[" + m + "]", events);
  };
  CHECK_FALSE(check(R"({"type":"error","assert":{"error.code":"X","items":[1.0,2],"items.1":2}})"));
  CHECK_FALSE(check(R"({"type":"error","assert":{"error.n":null}})"));
  // A missing key is not null.
  const auto missing = check(R"({"type":"error","assert":{"error.detail":null}})");
  REQUIRE(missing);
  CHECK_THAT(*missing, Catch::Contains("'error.detail'") && Catch::Contains("path is missing"));
  CHECK(check(R"({"type":"error","assert":{"items":[2,1]}})"));
  CHECK(check(R"({"type":"error","assert":{"items":[1]}})"));
  CHECK(check(R"({"type":"error","status":200})"));     // no status on the event
  CHECK(check(R"({"type":"error","statusGte":100})"));  // missing status fails too

  canned_channel ok({R"({"type":"immediate_response","status":202})"});
  CHECK_FALSE(run(R"([{"type":"immediate_response","status":202.0,"statusGte":202}])", ok));
  canned_channel low({R"({"type":"immediate_response","status":199})"});
  const auto gte = run(R"([{"type":"immediate_response","statusGte":200}])", low);
  REQUIRE(gte);
  CHECK_THAT(*gte, Catch::Contains("status >= 200"));
  canned_channel other({R"({"type":"immediate_response","status":202})"});
  CHECK(run(R"([{"type":"immediate_response","status":200}])", other));
}

TEST_CASE("capture keeps the JSON type and substitution replaces whole strings", "[matcher]") {
  canned_channel events(
      {R"({"type":"immediate_response","data":{"n":42,"obj":{"k":[1]},"s":"abc"}})"});
  variables vars;
  REQUIRE_FALSE(match_step(matchers(R"([{"type":"immediate_response",
                                          "capture":{"num":"data.n","obj":"data.obj","str":"data.s"}}])"),
                           events, vars, std::chrono::milliseconds(10)));
  auto frame = parse(
      R"({"a":"{{num}}","b":{"c":"{{obj}}","d":"x{{str}}"},"e":["{{str}}",{"f":"{{str}}"}],"g":"{{str}}"})");
  REQUIRE_FALSE(substitute(frame, frame.GetAllocator(), vars));
  CHECK(to_json(frame) ==
        R"({"a":42,"b":{"c":{"k":[1]},"d":"x{{str}}"},"e":["{{str}}",{"f":"{{str}}"}],"g":"abc"})");

  auto unknown = parse(R"({"a":{"b":"{{nope}}"}})");
  const auto error = substitute(unknown, unknown.GetAllocator(), vars);
  REQUIRE(error);
  CHECK_THAT(*error, Catch::Contains("{{nope}}"));
}

TEST_CASE("a capture of a missing path fails the matcher", "[matcher]") {
  canned_channel events({R"({"type":"immediate_response","data":{}})"});
  const auto failure =
      run(R"([{"type":"immediate_response","capture":{"id":"data.sessionId"}}])", events);
  REQUIRE(failure);
  CHECK_THAT(*failure, Catch::Contains("capture 'id'"));
}

TEST_CASE("run_steps substitutes captures into later frames and names the failing step",
          "[matcher]") {
  const auto s = parse_scenario(R"({
    "name": "canned", "knownDivergences": ["go"], "somethingNew": {"x": 1},
    "steps": [
      {"send": {"action": "create_conversation_session", "requestId": "r1"},
       "expect": [{"type": "immediate_response", "status": 200, "capture": {"sid": "data.sessionId"}}]},
      {"send": {"action": "get_session", "sessionId": "{{sid}}"},
       "expect": [{"type": "immediate_response", "assert": {"data.status": "active"}}]}
    ]})",
                                "inline");
  SECTION("passing") {
    canned_channel ch({R"({"type":"immediate_response","status":200,"data":{"sessionId":"s-1"}})",
                       R"({"type":"immediate_response","status":200,"data":{"status":"active"}})"});
    const auto result = run_steps(s, ch, std::chrono::milliseconds(10));
    CHECK(result.passed);
    REQUIRE(ch.sent.size() == 2);
    CHECK(ch.sent[1] == R"({"action":"get_session","sessionId":"s-1"})");
  }
  SECTION("failing") {
    canned_channel ch({R"({"type":"immediate_response","status":200,"data":{"sessionId":"s-1"}})",
                       R"({"type":"immediate_response","status":200,"data":{"status":"idle"}})"});
    const auto result = run_steps(s, ch, std::chrono::milliseconds(10));
    CHECK_FALSE(result.passed);
    CHECK_THAT(result.failure, Catch::StartsWith("step 1 (get_session)") &&
                                   Catch::Contains("matcher #0 of 1") &&
                                   Catch::Contains(R"(expected "active" but got "idle")"));
  }
}

TEST_CASE("malformed scenarios are rejected with the file named", "[matcher]") {
  const auto message = [](const std::string& text) -> std::string {
    try {
      parse_scenario(text, "dir/bad.json");
    } catch (const scenario_error& e) {
      return e.what();
    }
    return "";
  };
  CHECK_THAT(message("{"), Catch::Contains("dir/bad.json") && Catch::Contains("invalid JSON"));
  CHECK_THAT(message(R"({"name":"x"})"), Catch::Contains("'steps'"));
  CHECK_THAT(message(R"({"steps":[{"send":{},"expect":[{"status":200}]}]})"),
             Catch::Contains("dir/bad.json") && Catch::Contains("steps[0].expect[0]") &&
                 Catch::Contains("'type'"));
  CHECK_THAT(message(R"({"steps":[{"send":[],"expect":[]}]})"), Catch::Contains("steps[0].send"));
  CHECK_THAT(message(R"({"steps":[],"server":{"confirmTools":[1]}})"),
             Catch::Contains("confirmTools"));
  CHECK_THAT(message(R"({"steps":[{"send":{},"expect":[{"type":"x","repeat":"yes"}]}]})"),
             Catch::Contains("'repeat' must be a boolean"));

  const auto ok = parse_scenario(
      R"({"steps":[],"mockLlmScript":[{"kind":"text","text":"hi"}],
          "server":{"tools":[{"name":"t","result":"r"}],"confirmTools":["t"],
                    "knowledge":[{"source":"a.md","content":"c"}]}})",
      "ok.json");
  CHECK(ok.mock_llm_script_json == R"([{"kind":"text","text":"hi"}])");
  CHECK(ok.tools_json == R"([{"name":"t","result":"r"}])");
  CHECK(ok.confirm_tools == std::vector<std::string>{"t"});
  CHECK(ok.knowledge_json == R"([{"source":"a.md","content":"c"}])");
}
