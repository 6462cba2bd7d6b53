// tests/server/acl_chat_leak_test.cpp — document ACLs on the live chat path, end to end
// (admin-auth.md §3.6, the chat-leak protection): one turn's retrievals — the automatic
// "[Relevant knowledge]" context, the `knowledge_search` tool and the citations — all
// use the connection's access context. A restricted document appears in none of what
// the model reads (the gateway's request bodies), the tool result text, its source path,
// or any citation, for a principal outside its group and for an anonymous connection;
// a principal in the group sees it everywhere.
#include "adapters/auth/base64url.hpp"
#include "adapters/auth/trusted_authenticator.hpp"
#include "tests/server/ws_identity_support.hpp"
#include "tests/support/net/fake_gateway.hpp"

namespace so::test::identity {
namespace {

using turns::text;
using turns::tool_call;

constexpr const char* kPublicSource = "public/shipping.md";
constexpr const char* kSecretSource = "private/falcon-roadmap.md";
constexpr const char* kSecretWords = "Quasar";  // appears only in the restricted document

std::vector<adapters::document> documents() {
  adapters::document pub;
  pub.id = "doc-public";
  pub.source = kPublicSource;
  pub.content = "Falcon orders ship within two business days from the main warehouse.";
  adapters::document secret;
  secret.id = "doc-secret";
  secret.source = kSecretSource;
  secret.content = "Falcon roadmap: the Quasar engine launches next March, internal only.";
  secret.acl = adapters::doc_acl{false, {}, {"eng"}};
  return {pub, secret};
}

/// An org admin outside the document's group: roles have no effect on chat (§1.7).
auth::principal admin_principal() {
  auto p = make_principal("u-root", "reference-org", "root@x.test", {"sales"});
  p.user_role = auth::role::admin;
  return p;
}

struct acl_server {
  fake_gateway fake;
  std::unique_ptr<net::server> server;

  /// `verifier`: null = the token map below.
  explicit acl_server(auth::authenticator_ptr verifier = nullptr) {
    // Per turn: the model searches, then answers.
    for (int i = 0; i < 3; ++i) {
      fake.push(tool_call("knowledge_search", R"({"query":"falcon"})"));
      fake.push(text("answered"));
    }
    auto o = turns::base_options();
    o.config.gateway_url = fake.base_url();
    o.config.gateway_key = "k";
    o.knowledge = documents();
    o.authenticator =
        verifier
            ? std::move(verifier)
            : std::make_shared<map_authenticator>(
                  std::map<std::string, auth::principal>{
                      {"tok-eng", make_principal("u-eve", "reference-org", "eve@x.test", {"eng"})},
                      {"tok-sales",
                       make_principal("u-bob", "reference-org", "bob@x.test", {"sales"})},
                      {"tok-admin", admin_principal()}},
                  /*single_user=*/false);
    server = std::make_unique<net::server>(std::move(o));
  }
};

/// Everything one turn put on the wire, plus the two gateway request bodies it caused.
struct turn_trace {
  std::vector<frame> frames;
  std::string wire;   ///< every frame's text
  std::string model;  ///< every request body the model received
  std::string first;  ///< the first one: the automatic context, before any tool ran
  std::string tool_result;
  std::string citations;
};

turn_trace run(acl_server& s, const std::string& token) {
  const auto before = s.fake.requests().size();
  auto ws = connect_as(*s.server, token);
  const auto sid = create(*ws, "r-create").str("/data/sessionId");
  turns::start_turn(*ws, sid, "r-turn", "tell me about falcon");
  turn_trace t;
  t.frames = turns::read_turn(*ws, "r-turn");
  for (const auto& f : t.frames) t.wire += f.text() + "\n";
  auto reqs = s.fake.requests();
  REQUIRE(reqs.size() == before + 2);
  for (std::size_t i = before; i < reqs.size(); ++i) t.model += reqs[i].body + "\n";
  t.first = reqs[before].body;
  auto results = turns::of_type(t.frames, "stream_chunk", "toolResult");
  REQUIRE(results.size() == 1);
  t.tool_result = results[0].text();
  const auto& last = t.frames.back();
  turns::require_reply(last, "r-turn", "answered");
  t.citations = last.has("/data/data/citations") ? last.text() : "";
  return t;
}

void require_no_leak(const turn_trace& t) {
  INFO("wire:\n" << t.wire << "\nmodel:\n" << t.model);
  CHECK(t.wire.find(kSecretWords) == std::string::npos);
  CHECK(t.wire.find(kSecretSource) == std::string::npos);
  CHECK(t.wire.find("doc-secret") == std::string::npos);
  CHECK(t.model.find(kSecretWords) == std::string::npos);
  CHECK(t.model.find(kSecretSource) == std::string::npos);
  // The public document still grounds the turn, so the test would see a leak.
  CHECK(t.tool_result.find(kPublicSource) != std::string::npos);
  CHECK(t.citations.find(kPublicSource) != std::string::npos);
  CHECK(t.first.find("two business days") != std::string::npos);  // the automatic context
}

}  // namespace

TEST_CASE("acl: a restricted document never reaches a chat outside its group", "[identity][acl]") {
  acl_server s;

  SECTION("a principal in another group") {
    require_no_leak(run(s, "tok-sales"));
  }
  SECTION("an org admin outside the group (roles do not widen chat retrieval)") {
    require_no_leak(run(s, "tok-admin"));
  }
  SECTION("an anonymous connection") {
    require_no_leak(run(s, ""));
  }
  SECTION("an invalid token (anonymous)") {
    require_no_leak(run(s, "tok-forged"));
  }
  SECTION("a principal in the group sees it in context, tool result and citations") {
    auto t = run(s, "tok-eng");
    INFO("wire:\n" << t.wire);
    CHECK(t.tool_result.find(kSecretSource) != std::string::npos);
    CHECK(t.tool_result.find(kSecretWords) != std::string::npos);
    CHECK(t.citations.find(kSecretSource) != std::string::npos);
    // The automatic context of the first LLM call already carried it.
    CHECK(t.first.find(kSecretWords) != std::string::npos);
  }
}

TEST_CASE("acl: trusted mode resolves the forwarded identity and filters by its groups",
          "[identity][acl]") {
  // admin-auth.md §1.5: the ?token= slot carries a base64url claims blob, not verified.
  acl_server s(auth::make_trusted_authenticator());
  const auto blob = [](const std::string& groups) {
    return auth::base64url_encode(R"({"sub":"u1","org":"reference-org","role":"basic","groups":)" +
                                  groups + "}");
  };
  SECTION("a blob in the document's group sees it") {
    auto t = run(s, blob(R"(["eng"])"));
    CHECK(t.tool_result.find(kSecretWords) != std::string::npos);
  }
  SECTION("a blob in another group does not") {
    require_no_leak(run(s, blob(R"(["sales"])")));
  }
  SECTION("a malformed blob is anonymous") {
    require_no_leak(run(s, "not*base64url"));
  }
  SECTION("no blob is anonymous") {
    require_no_leak(run(s, ""));
  }
}

}  // namespace so::test::identity
