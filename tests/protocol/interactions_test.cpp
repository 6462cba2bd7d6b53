// Rich Interactions as pure functions (later-protocol.md §1; issue 12 item 1): raise
// argument parsing, the per-kind validators, the fallback texts, the events, the
// submit_interaction frame parsing and the `supports` helpers.
#include "protocol/interactions.hpp"
#include "protocol/action.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <catch2/catch.hpp>

#include <string>

using namespace so::protocol;
namespace ix = so::protocol::interactions;

namespace {

std::string at(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(d.HasParseError());
  const auto* v = rapidjson::Pointer(pointer).Get(d);
  if (v == nullptr) return "<absent>";
  if (v->IsString()) return v->GetString();
  return to_compact_json(*v);
}

std::string raise_error(ix::kind k, const std::string& args) {
  auto r = ix::parse_raise(k, args);
  INFO(args);
  REQUIRE_FALSE(r.request.has_value());
  return r.error;
}

ix::raise_request raise(ix::kind k, const std::string& args) {
  auto r = ix::parse_raise(k, args);
  INFO(args << " -> " << r.error);
  REQUIRE(r.request.has_value());
  return *r.request;
}

const std::string kEmailSpec = R"({"fields":[{"key":"email","required":true}]})";
const std::string kPlanSpec =
    R"({"questions":[{"header":"Plan","multiSelect":false,"options":[{"description":"","label":"Starter"},{"description":"","label":"Pro"}],"question":"Which plan fits best?"}]})";

std::string errors_of(const ix::validation& v) {
  std::string out;
  for (const auto& e : v.errors) out += e.field + ": " + e.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("interactions: identity raise arguments become the canonical spec", "[interactions]") {
  auto r =
      raise(ix::kind::identity_intake,
            R"({"fields":["email",{"key":"name"},{"key":"phone","required":false,"label":"Tel"},
                     {"key":"name","required":"no"}],"reason":"  to send you the quote "})");
  CHECK(
      r.spec_json ==
      R"({"fields":[{"key":"email","required":true},{"key":"name","required":true},{"key":"phone","label":"Tel","required":false},{"key":"name","required":true}]})");
  CHECK(r.reason == "to send you the quote");
  CHECK(raise(ix::kind::identity_intake, R"({"fields":["name"]})").reason == "to help you better");
  CHECK(raise(ix::kind::identity_intake, R"({"fields":["name"],"reason":"   "})").reason ==
        "to help you better");
  CHECK(raise(ix::kind::identity_intake, R"({"fields":["name"],"reason":5})").reason ==
        "to help you better");
}

TEST_CASE("interactions: identity raise argument errors", "[interactions]") {
  const auto k = ix::kind::identity_intake;
  CHECK(raise_error(k, "{}") == "'fields' must be an array");
  CHECK(raise_error(k, R"({"fields":"email"})") == "'fields' must be an array");
  CHECK(raise_error(k, R"({"fields":[]})") == "'fields' must contain at least one field");
  CHECK(raise_error(k, R"({"fields":["ssn"]})") ==
        "unknown intake field 'ssn' (expected name, email, or phone)");
  CHECK(raise_error(k, R"({"fields":[{"required":true}]})") ==
        "each field object needs a string 'key'");
  CHECK(raise_error(k, R"({"fields":[{"key":"ssn"}]})") ==
        "unknown intake field 'ssn' (expected name, email, or phone)");
  CHECK(raise_error(k, R"({"fields":[5]})") == "invalid field entry: 5");
  CHECK(raise_error(k, "not json") == "'fields' must be an array");
}

TEST_CASE("interactions: choices raise arguments and errors", "[interactions]") {
  const auto k = ix::kind::choices;
  auto r = raise(k, R"({"questions":[{"question":" Which plan fits best? ","header":" Plan ",
                       "options":[{"label":"Starter"},"Pro"]}],"reason":"to route you"})");
  CHECK(r.spec_json == kPlanSpec);
  CHECK(r.reason == "to route you");
  const std::string two = R"("options":["a","b"])";
  auto q = [&](const std::string& header, const std::string& rest = "") {
    return R"({"question":"Q","header":")" + header + R"(",)" + (rest.empty() ? two : rest) + "}";
  };
  CHECK(raise_error(k, "{}") == "'questions' must be an array");
  CHECK(raise_error(k, R"({"questions":[]})") ==
        "'questions' must contain between 1 and 4 questions");
  CHECK(raise_error(k, R"({"questions":[)" + q("a") + "," + q("b") + "," + q("c") + "," + q("d") +
                           "," + q("e") + "]}") ==
        "'questions' must contain between 1 and 4 questions");
  CHECK(raise_error(k, R"({"questions":[5]})") == "each question must be an object");
  CHECK(raise_error(k, R"({"questions":[{"question":" ","header":"H",)" + two + "}]}") ==
        "each question needs a non-empty 'question'");
  CHECK(raise_error(k, R"({"questions":[{"question":"Q",)" + two + "}]}") ==
        "each question needs a non-empty 'header'");
  CHECK(raise_error(k, R"({"questions":[)" + q("ABCDEFGHIJKLM") + "]}") ==
        "header 'ABCDEFGHIJKLM' is too long (max 12 characters)");
  // Twelve characters, some multi-byte: fits (code points, not bytes).
  CHECK(ix::parse_raise(k, R"({"questions":[)" + q("ÄÖÜäöüßéèêëï") + "]}").request.has_value());
  CHECK(raise_error(k, R"({"questions":[)" + q("H") + "," + q(" H ") + "]}") ==
        "duplicate question header 'H'");
  CHECK(raise_error(k, R"({"questions":[)" + q("H", R"("options":"a")") + "]}") ==
        "question 'H' needs an 'options' array");
  CHECK(raise_error(k, R"({"questions":[)" + q("H", R"("options":["a"])") + "]}") ==
        "question 'H' must offer between 2 and 4 options");
  CHECK(raise_error(k, R"({"questions":[)" + q("H", R"("options":["a",5])") + "]}") ==
        "invalid option entry in 'H': 5");
  CHECK(raise_error(k, R"({"questions":[)" + q("H", R"("options":["a"," "])") + "]}") ==
        "an option in 'H' has an empty label");
}

TEST_CASE("interactions: the identity validator", "[interactions]") {
  const auto k = ix::kind::identity_intake;
  auto ok = [&](const std::optional<std::string>& spec, const std::string& values) {
    auto v = ix::validate(k, spec, values);
    INFO(values << " -> " << errors_of(v));
    REQUIRE(v.ok());
    return *v.canonical_json;
  };
  auto bad = [&](const std::optional<std::string>& spec, const std::string& values) {
    auto v = ix::validate(k, spec, values);
    INFO(values);
    REQUIRE_FALSE(v.ok());
    REQUIRE_FALSE(v.errors.empty());
    return errors_of(v);
  };
  CHECK(ok(kEmailSpec, R"({"email":"Alice@Example.COM","name":"  Alice  "})") ==
        R"({"email":"Alice@example.com","name":"Alice"})");
  CHECK(ok(std::nullopt, R"({"phone":"(555) 123-4567"})") == R"({"phone":"+15551234567"})");
  CHECK(ok(std::nullopt, R"({"phone":"555.123.4567"})") == R"({"phone":"+15551234567"})");
  CHECK(ok(std::nullopt, R"({"phone":"+447911123456"})") == R"({"phone":"+447911123456"})");
  CHECK(ok(std::nullopt, R"({"phone":"15551234567"})") == R"({"phone":"+15551234567"})");
  CHECK(ok(R"({"fields":[{"key":"name","required":false}]})", R"({"name":"  "})") == "{}");
  CHECK(ok(std::nullopt, R"({"name":"Al","email":null,"extra":5})") == R"({"name":"Al"})");

  const std::string email_msg = "email: must be a valid email address\n";
  for (const char* e :
       {"not-an-email", "a@b", "a@.com", "a@b.", "a b@c.com", "@x.com", "still bad@", "a@b@c.com"})
    CHECK(bad(std::nullopt, std::string(R"({"email":")") + e + "\"}") == email_msg);
  const std::string phone_msg =
      "phone: must be a valid phone number (include your country code, e.g. +1 555 123 4567)\n";
  for (const char* p : {"+0123456789", "12345", "+1234567", "555\\t123\\t4567", "abc"})
    CHECK(bad(std::nullopt, std::string(R"({"phone":")") + p + "\"}") == phone_msg);

  CHECK(bad(kEmailSpec, "{}") ==
        "values: provide at least one of name/email/phone, or declined=true\n");
  CHECK(bad(kEmailSpec, R"({"email":"   ","name":"A"})") == "email: this field is required\n");
  CHECK(bad(R"({"fields":[{"key":"name","required":true},{"key":"email","required":true}]})",
            R"({"email":"x","phone":"1"})") ==
        "name: this field is required\n" + email_msg + phone_msg);
  // Format-only mode checks no required fields.
  CHECK(ok(std::nullopt, R"({"name":"A"})") == R"({"name":"A"})");
  // Shape errors: one `values` error, only the prefix is stable.
  for (const char* v : {"null", "5", R"({"email":5})", "[]"}) {
    auto r = ix::validate(k, kEmailSpec, v);
    INFO(v);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].field == "values");
    CHECK(r.errors[0].message.rfind("invalid values shape: ", 0) == 0);
  }
}

TEST_CASE("interactions: the choices validator", "[interactions]") {
  const auto k = ix::kind::choices;
  auto check = [&](const std::optional<std::string>& spec, const std::string& values) {
    return ix::validate(k, spec, values);
  };
  auto v = check(kPlanSpec, R"({"answers":[{"header":"Other","options":["x"]},
                                            {"header":"Plan","options":[" Pro "]},
                                            {"header":"Plan","options":["Starter"]}]})");
  REQUIRE(v.ok());
  CHECK(*v.canonical_json == R"({"answers":[{"header":"Plan","options":["Pro"]}]})");
  v = check(kPlanSpec, R"({"answers":[{"header":"Plan","other":" Enterprise "}]})");
  REQUIRE(v.ok());
  CHECK(*v.canonical_json ==
        R"({"answers":[{"header":"Plan","options":[],"other":"Enterprise"}]})");

  CHECK(errors_of(check(kPlanSpec, R"({"answers":[]})")) ==
        "Plan: this question must be answered\n");
  CHECK(errors_of(check(kPlanSpec, "{}")) == "Plan: this question must be answered\n");
  CHECK(errors_of(check(kPlanSpec, R"({"answers":[{"header":"Plan","options":["Gold"]}]})")) ==
        "Plan: 'Gold' is not one of the offered options\n");
  CHECK(errors_of(
            check(kPlanSpec, R"({"answers":[{"header":"Plan","options":["Pro","Starter"]}]})")) ==
        "Plan: this question takes a single answer\n");
  CHECK(errors_of(
            check(kPlanSpec, R"({"answers":[{"header":"Plan","options":["Pro"],"other":"x"}]})")) ==
        "Plan: this question takes a single answer\n");
  CHECK(errors_of(check(kPlanSpec, R"({"answers":[{"header":"Plan","options":[" "]}]})")) ==
        "Plan: select an option or provide an 'other' answer\n");
  // Multi-select takes several.
  auto multi = kPlanSpec;
  multi.replace(multi.find("false"), 5, "true");
  CHECK(check(multi, R"({"answers":[{"header":"Plan","options":["Pro","Starter"]}]})").ok());
  // Format-only mode.
  CHECK(errors_of(check(std::nullopt, R"({"answers":[]})")) ==
        "answers: provide an answer for each question, or declined=true\n");
  CHECK(errors_of(check(std::nullopt, R"({"answers":[{"header":"X"}]})")) ==
        "X: select an option or provide an 'other' answer\n");
  v = check(std::nullopt, R"({"answers":[{"header":"X","options":["anything"]}]})");
  REQUIRE(v.ok());
  CHECK(*v.canonical_json == R"({"answers":[{"header":"X","options":["anything"]}]})");
  // Shape errors.
  for (const char* bad : {"null", R"({"answers":[{"options":["a"]}]})", R"({"answers":5})",
                          R"({"answers":[{"header":"Plan","options":[5]}]})"}) {
    auto r = check(kPlanSpec, bad);
    INFO(bad);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].field == "values");
    CHECK(r.errors[0].message.rfind("invalid values shape: ", 0) == 0);
  }
}

TEST_CASE("interactions: fallback directives and tool results", "[interactions]") {
  auto r = ix::fallback_result(
      ix::kind::identity_intake,
      R"({"fields":[{"key":"name","required":false},{"key":"email","required":true}]})",
      "to send you the quote");
  CHECK(at(r, "/mode") == "conversational");
  CHECK(at(r, "/kind") == "identity_intake");
  CHECK(at(r, "/reason") == "to send you the quote");
  CHECK(
      at(r, "/instructions")
          .rfind(
              "This visitor's channel cannot display a form. Collect the requested details (name, "
              "email) conversationally: ask for ONE field at a time, in the order given, naturally "
              "weaving in the reason (to send you the quote).",
              0) == 0);
  CHECK(r.rfind(R"({"instructions":"This visitor's channel cannot display a form.)", 0) == 0);
  auto c = ix::fallback_directive(ix::kind::choices, kPlanSpec, "to route you");
  CHECK(c.find("(to route you), and read out each option so the visitor can pick:\n- [Plan] Which "
               "plan fits best? Options: Starter, Pro.\nThe visitor may also answer") !=
        std::string::npos);
  CHECK(ix::submitted_result(R"({"email":"a@b.co"})") ==
        R"({"status":"submitted","values":{"email":"a@b.co"}})");
  CHECK(at(ix::declined_result(), "/status") == "declined");
  CHECK(at(ix::no_response_result(), "/status") == "no_response");
  CHECK(
      ix::validation_failed_message({{"email", "must be a valid email address"}, {"phone", "x"}}) ==
      "validation failed — email: must be a valid email address; phone: x. Re-ask the visitor "
      "for the corrected value(s) and submit again.");
}

TEST_CASE("interactions: the generic submit_interaction tool", "[interactions]") {
  std::map<std::string, std::string> stash;
  auto run = [&](const std::string& args) { return ix::run_conversational_submit(args, stash); };
  CHECK(run("{}").text == "error: 'kind' is required");
  CHECK(run("{}").is_error);
  CHECK(run(R"({"kind":"ssn"})").text == "error: unknown interaction kind 'ssn'");
  auto d = run(R"({"kind":"identity_intake","declined":true})");
  CHECK_FALSE(d.is_error);
  CHECK(at(d.text, "/status") == "declined");
  CHECK_FALSE(d.identity_values_json.has_value());
  auto e = run(R"({"kind":"identity_intake","values":{"email":"nope"}})");
  CHECK(e.is_error);
  CHECK(e.text.find("validation failed — email: must be a valid email address") !=
        std::string::npos);
  // Format-only without a same-turn raise; with one, required fields are enforced.
  CHECK_FALSE(run(R"({"kind":"identity_intake","values":{"name":"A"}})").is_error);
  stash["identity_intake"] = kEmailSpec;
  auto req = run(R"({"kind":"identity_intake","values":{"name":"A"}})");
  CHECK(req.is_error);
  CHECK(req.text.find("email: this field is required") != std::string::npos);
  auto good = run(R"({"kind":"identity_intake","values":{"email":"a@b.co"}})");
  CHECK_FALSE(good.is_error);
  CHECK(good.text == R"({"status":"submitted","values":{"email":"a@b.co"}})");
  CHECK(good.identity_values_json == std::optional<std::string>(R"({"email":"a@b.co"})"));
  CHECK(run(R"({"kind":"choices"})").is_error);  // values missing → null → shape error
}

TEST_CASE("interactions: events and acks", "[interactions]") {
  auto e = ix::interaction_required("r-msg", "id-1", ix::kind::identity_intake, kEmailSpec,
                                    "to send you the quote", 42);
  CHECK(at(e, "/type") == "interaction_required");
  CHECK(at(e, "/requestId") == "r-msg");
  CHECK(at(e, "/data/requestId") == "r-msg");
  CHECK(at(e, "/data/data/interactionId") == "id-1");
  CHECK(at(e, "/data/data/kind") == "identity_intake");
  CHECK(at(e, "/data/data/reason") == "to send you the quote");
  CHECK(at(e, "/data/data/spec/fields/0") == R"({"key":"email","required":true})");
  CHECK(at(e, "/timestamp") == "42");
  CHECK(at(e, "/status") == "<absent>");
  auto inv = ix::interaction_invalid("r-x", "id-1", ix::kind::identity_intake,
                                     {{"email", "must be a valid email address"}}, 7);
  CHECK(at(inv, "/type") == "interaction_invalid");
  CHECK(at(inv, "/data/requestId") == "r-x");
  CHECK(at(inv, "/data/data/errors/0/field") == "email");
  CHECK(at(inv, "/data/data/message") == "Some fields need attention.");
  CHECK(ix::declined_ack_data("s", "i") ==
        R"({"declined":true,"interactionId":"i","sessionId":"s"})");
  CHECK(ix::submitted_ack_data("s", "i", ix::kind::choices, R"({"answers":[]})") ==
        R"({"interactionId":"i","kind":"choices","sessionId":"s","values":{"answers":[]}})");
  CHECK(ix::no_pending_text("S") == "no interaction is awaiting submission for session 'S'");
  CHECK(ix::no_longer_active_text("S") ==
        "the turn awaiting an interaction for session 'S' is no longer active");
  CHECK(ix::kind_not_hosted_text("x") == "interaction kind 'x' is not hosted by this server");
  CHECK(ix::kind_mismatch_text("identity_intake", "choices") ==
        "the pending interaction is 'identity_intake', not 'choices'");
}

TEST_CASE("interactions: submit_interaction frames", "[interactions]") {
  auto err = [](const std::string& frame) {
    auto a = parse_action(frame);
    REQUIRE(std::holds_alternative<action_error>(a));
    return std::get<action_error>(a);
  };
  auto e = err(R"({"action":"submit_interaction","sessionId":"s"})");
  CHECK(e.code == "VALIDATION_ERROR");
  CHECK(e.message == "submit_interaction requires a 'requestId'");
  CHECK_FALSE(e.rid.has_value());
  e = err(R"({"action":"submit_interaction","requestId":"r"})");
  CHECK(e.message == "submit_interaction requires a 'sessionId'");
  CHECK(e.rid == std::optional<std::string>("r"));

  auto a = parse_action(
      R"({"action":"submit_interaction","requestId":"r","sessionId":"s","interactionId":"i","kind":5,"declined":"true","values":null})");
  REQUIRE(std::holds_alternative<submit_interaction_action>(a));
  const auto& s = std::get<submit_interaction_action>(a);
  CHECK(s.interaction_id == std::optional<std::string>("i"));
  CHECK_FALSE(s.kind.has_value());                             // a non-string kind is ignored
  CHECK_FALSE(s.declined);                                     // only JSON true declines
  CHECK(s.values_json == std::optional<std::string>("null"));  // present
  auto b = std::get<submit_interaction_action>(parse_action(
      R"({"action":"submit_interaction","requestId":"r","sessionId":"s","declined":true})"));
  CHECK(b.declined);
  CHECK_FALSE(b.values_json.has_value());
  CHECK_FALSE(b.interaction_id.has_value());
}

TEST_CASE("interactions: supports on create and its persistence helpers", "[interactions]") {
  auto create = [](const std::string& extra) {
    auto a = parse_action(
        R"({"action":"create_conversation_session","requestId":"r","agentId":"a")" + extra + "}");
    REQUIRE(std::holds_alternative<create_session_action>(a));
    return std::get<create_session_action>(a);
  };
  CHECK_FALSE(create("").supports.has_value());
  CHECK_FALSE(create(R"(,"supports":null)").supports.has_value());
  CHECK_FALSE(create(R"(,"supports":"identity_form")").supports.has_value());
  CHECK(create(R"(,"supports":[])").supports ==
        std::optional<std::vector<std::string>>(std::vector<std::string>{}));
  CHECK(create(R"(,"supports":["identity_form",5,"x","x"])").supports ==
        std::optional<std::vector<std::string>>({"identity_form", "x", "x"}));

  CHECK(ix::metadata_with_client_supports(std::nullopt, {}) == std::nullopt);
  CHECK(ix::metadata_with_client_supports(std::string("[1]"), {}) ==
        std::optional<std::string>("[1]"));
  CHECK(ix::metadata_with_client_supports(std::string(R"({"a":1})"), {"identity_form"}) ==
        std::optional<std::string>(R"({"a":1,"clientSupports":["identity_form"]})"));
  CHECK(ix::metadata_with_client_supports(std::string("\"str\""), {"x"}) ==
        std::optional<std::string>(R"({"clientSupports":["x"]})"));
  CHECK(ix::metadata_replacing_client_supports(std::string(R"({"clientSupports":["x"],"b":2})"),
                                               {}) == R"({"b":2})");
  CHECK(ix::client_supports_of(std::string(R"({"clientSupports":["a",1,"b"]})")) ==
        std::vector<std::string>{"a", "b"});
  CHECK(ix::client_supports_of(std::string("nope")).empty());
  CHECK(ix::client_supports_of(std::nullopt).empty());
  std::map<std::string, std::string> md{{"supports", ix::supports_json({"identity_form", "x"})}};
  CHECK(ix::supports_from_metadata(md) == std::vector<std::string>{"identity_form", "x"});
  CHECK(ix::renders(ix::supports_from_metadata(md), ix::kind::identity_intake));
  CHECK_FALSE(ix::renders(ix::supports_from_metadata(md), ix::kind::choices));
  CHECK(ix::identity_metadata(R"({"email":"a@b.co","name":"A","phone":"+15551234567"})") ==
        std::map<std::string, std::string>{{"contactEmail", "\"a@b.co\""},
                                           {"contactPhone", "\"+15551234567\""},
                                           {"userName", "\"A\""}});
}
