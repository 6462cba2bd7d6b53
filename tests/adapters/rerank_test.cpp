// tests/adapters/rerank_test.cpp — the rerankers of storage-backplane.md §5.3: the
// SMOOTH_AGENT_RERANK modes, noop, lexical (k1 = 1.2, stable ties, scores untouched),
// gateway (the reorder rule, the body, and every failure falling back to the
// retrieval order), and the factory's fallbacks.
#include "adapters/knowledge/gateway_reranker.hpp"
#include "adapters/knowledge/lexical_reranker.hpp"
#include "adapters/knowledge/noop_reranker.hpp"
#include "adapters/knowledge/reranker_factory.hpp"
#include "net/json_poster.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace so;
using namespace so::adapters;

namespace {

knowledge_result candidate(std::string id, std::string chunk, float score = 0.5f) {
  return knowledge_result{std::move(id), std::move(chunk), score, "src", {}, {}};
}

std::vector<std::string> ids(const std::vector<knowledge_result>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.document_id);
  return out;
}

using V = std::vector<std::string>;

std::vector<knowledge_result> four() {
  return {candidate("a", "alpha", 0.4f), candidate("b", "beta", 0.3f),
          candidate("c", "gamma", 0.2f), candidate("d", "delta", 0.1f)};
}

}  // namespace

TEST_CASE("rerank mode: trimmed, case-folded, unknown is off", "[knowledge][rerank]") {
  for (const char* v : {"gateway", "on", "1", "true", " TRUE ", "Gateway"})
    CHECK(parse_rerank_mode(v) == rerank_mode::gateway);
  CHECK(parse_rerank_mode("lexical") == rerank_mode::lexical);
  CHECK(parse_rerank_mode(" LEXICAL\t") == rerank_mode::lexical);
  for (const char* v : {"", "off", "0", "false", "bm25", "yes"})
    CHECK(parse_rerank_mode(v) == rerank_mode::off);
}

TEST_CASE("rerank factory: off → none, lexical, gateway needs a key", "[knowledge][rerank]") {
  test::background_io io;
  auto poster = net::make_json_poster(io.http());
  server_config cfg;
  CHECK(make_reranker(cfg, poster) == nullptr);
  cfg.rerank = "lexical";
  CHECK(std::string(make_reranker(cfg, poster)->name()) == "lexical");
  cfg.rerank = "on";
  CHECK(std::string(make_reranker(cfg, poster)->name()) == "lexical");  // no key → lexical
  cfg.gateway_key = "sk";
  CHECK(std::string(make_reranker(cfg, poster)->name()) == "gateway");
}

TEST_CASE("noop reranker: truncates, keeps order", "[knowledge][rerank]") {
  noop_reranker r;
  CHECK(ids(r.rerank("q", four(), 2)) == V{"a", "b"});
  CHECK(ids(r.rerank("q", four(), 9)) == V{"a", "b", "c", "d"});
  CHECK(r.rerank("q", four(), 0).empty());
}

TEST_CASE("lexical reranker: the §5.3 score, stable ties, scores untouched",
          "[knowledge][rerank]") {
  lexical_reranker r;
  // "refund refund policy" for query {refund, policy}: L = 1 + ln(4);
  // refund c=2 → 2/3.2, policy c=1 → 1/2.2.
  const double l = 1.0 + std::log(4.0);
  CHECK(r.score("Refund policy refund", "refund refund policy") ==
        Approx((2.0 / 3.2 + 1.0 / 2.2) / l));
  CHECK(r.score("refund", "") == 0.0);
  CHECK(r.score("refund", "!!! ???") == 0.0);  // no tokens
  CHECK(r.score("refund", "shipping days") == 0.0);

  std::vector<knowledge_result> c{
      candidate("none", "shipping takes five days", 0.9f),
      candidate("one", "our refund rules", 0.8f),
      candidate("two", "refund policy: a refund within 30 days", 0.7f),
      candidate("tie", "our refund rules", 0.6f),  // same text as "one": keeps its order
  };
  auto out = r.rerank("refund policy", c, 3);
  CHECK(ids(out) == V{"two", "one", "tie"});
  CHECK(out[0].score == 0.7f);  // never changed
  CHECK(ids(r.rerank("refund policy", c, 10)) == V{"two", "one", "tie", "none"});
  CHECK(r.rerank("refund", {}, 3).empty());
  CHECK(r.rerank("refund", c, 0).empty());
}

namespace {

struct rerank_fixture {
  test::background_io io;
  std::function<test::http_test_response(const test::http_test_request&)> answer;
  test::http_test_server server{[this](const test::http_test_request& r) { return answer(r); }};
  gateway_reranker make() {
    gateway_reranker_options o;
    o.base_url = server.url("/v1/");
    o.api_key = "sk-r";
    return gateway_reranker(net::make_json_poster(io.http(), {std::chrono::milliseconds(3000)}), o);
  }
};

test::http_test_response results(const std::string& body) {
  test::http_test_response r{200, body};
  r.content_type = "application/json";
  return r;
}

}  // namespace

TEST_CASE("gateway reranker: one POST to {base}/rerank, reordered by relevance",
          "[knowledge][rerank]") {
  rerank_fixture f;
  // c best, then a; index 9 is out of range and index 0 repeats: both skipped; the
  // unscored candidates (b, d) follow in their original order.
  f.answer = [](const test::http_test_request&) {
    return results(
        R"({"results":[{"index":0,"relevance_score":0.5},{"index":9,"relevance_score":0.99},)"
        R"({"index":2,"relevance_score":0.9},{"index":0,"relevance_score":0.1},{"bad":1}]})");
  };
  auto r = f.make();
  CHECK(r.url() == f.server.url("/v1/rerank"));
  auto out = r.rerank("the query", four(), 3);
  CHECK(ids(out) == V{"c", "a", "b"});
  CHECK(out[0].score == 0.2f);  // scores unchanged
  const auto reqs = f.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].target == "/v1/rerank");
  CHECK(reqs[0].header("authorization") == std::optional<std::string>("Bearer sk-r"));
  CHECK(reqs[0].body ==
        R"({"model":"rerank-english-v3.0","query":"the query","documents":["alpha","beta",)"
        R"("gamma","delta"],"top_n":3})");
  CHECK(ids(r.rerank("q", four(), 10)) == V{"c", "a", "b", "d"});
}

TEST_CASE("gateway reranker: ties keep the gateway order, nothing to do makes no request",
          "[knowledge][rerank]") {
  rerank_fixture f;
  f.answer = [](const test::http_test_request&) {
    return results(
        R"({"results":[{"index":3,"relevance_score":0.5},{"index":1,"relevance_score":0.5}]})");
  };
  auto r = f.make();
  CHECK(r.rerank("q", {}, 3).empty());
  CHECK(r.rerank("q", four(), 0).empty());
  CHECK(f.server.requests().empty());
  CHECK(ids(r.rerank("q", four(), 4)) == V{"d", "b", "a", "c"});
}

TEST_CASE("gateway reranker: any failure keeps the retrieval order, truncated",
          "[knowledge][rerank]") {
  rerank_fixture f;
  auto r = f.make();
  SECTION("non-2xx") {
    f.answer = [](const test::http_test_request&) { return test::http_test_response{503, "busy"}; };
  }
  SECTION("not JSON") {
    f.answer = [](const test::http_test_request&) { return results("<html>"); };
  }
  SECTION("no results array") {
    f.answer = [](const test::http_test_request&) { return results(R"({"data":[]})"); };
  }
  CHECK(ids(r.rerank("q", four(), 2)) == V{"a", "b"});
  CHECK(f.server.requests().size() == 1);
}

TEST_CASE("gateway reranker: an unreachable gateway keeps the retrieval order",
          "[knowledge][rerank]") {
  test::background_io io;
  std::string url;
  {
    test::http_test_server gone(
        [](const test::http_test_request&) { return test::http_test_response{}; });
    url = gone.url("/v1");
  }
  gateway_reranker_options o;
  o.base_url = url;
  o.api_key = "k";
  gateway_reranker r(net::make_json_poster(io.http(), {std::chrono::milliseconds(3000)}), o);
  CHECK(ids(r.rerank("q", four(), 3)) == V{"a", "b", "c"});
}
