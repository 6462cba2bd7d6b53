// tests/server/knowledge_gateway_test.cpp — the gateway embedder and reranker inside a
// whole server (storage-backplane.md §5.2–§5.3; issue 11 items 4–5): with
// SMOOTH_AGENT_EMBEDDER=gateway the boot documents are embedded through
// {SMOOAI_GATEWAY_URL}/embeddings once the io threads run, every query is embedded
// there too (on the knowledge worker), and with SMOOTH_AGENT_RERANK=gateway the
// knowledge_search tool asks {SMOOAI_GATEWAY_URL}/rerank and keeps its order. A
// failing /rerank falls back to the retrieval order.
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "protocol/json.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <rapidjson/document.h>

#include <atomic>

using namespace so;
using namespace so::test;
using namespace so::test::turns;

namespace {

constexpr std::size_t kDim = 16;

/// /v1/embeddings answers the deterministic embedder's vectors (so ranking is
/// meaningful); /v1/rerank reverses the documents, or fails with 500.
struct fake_knowledge_gateway {
  adapters::deterministic_embedder det{kDim};
  std::atomic<bool> rerank_fails{false};
  http_test_server server{[this](const http_test_request& r) {
    rapidjson::Document body;
    protocol::parse_untrusted(body, r.body);
    std::string out;
    if (r.target == "/v1/embeddings") {
      const auto& input = body["input"];
      out = R"({"data":[)";
      for (rapidjson::SizeType i = 0; i < input.Size(); ++i) {
        if (i) out += ",";
        out += R"({"index":)" + std::to_string(i) + R"(,"embedding":[)";
        const auto v = det.embed_one(input[i].GetString());
        for (std::size_t k = 0; k < v.size(); ++k) out += (k ? "," : "") + std::to_string(v[k]);
        out += "]}";
      }
      out += "]}";
    } else if (r.target == "/v1/rerank") {
      if (rerank_fails) return http_test_response{500, "rerank down"};
      const auto n = body["documents"].Size();
      out = R"({"results":[)";
      for (rapidjson::SizeType i = 0; i < n; ++i)
        out += (i ? "," : "") + std::string(R"({"index":)") + std::to_string(n - 1 - i) +
               R"(,"relevance_score":)" + std::to_string(1.0 - 0.1 * i) + "}";
      out += "]}";
    } else {
      return http_test_response{404, "no"};
    }
    http_test_response res{200, out};
    res.content_type = "application/json";
    return res;
  }};

  std::size_t count(const std::string& target) const {
    std::size_t n = 0;
    for (const auto& r : server.requests()) n += r.target == target;
    return n;
  }
};

adapters::document doc(std::string id, std::string content) {
  adapters::document d;
  d.id = d.source = std::move(id);
  d.content = std::move(content);
  return d;  // organization: reference-org, the org of an unauthenticated session
}

struct gateway_knowledge_server {
  fake_knowledge_gateway gw;
  std::unique_ptr<net::server> server;

  gateway_knowledge_server() {
    auto o = base_options();
    o.config.gateway_url = gw.server.url("/v1");
    o.config.gateway_key = "k";
    o.config.embedder = adapters::embedder_choice::gateway;
    o.config.embedding_dim = kDim;
    o.config.rerank = "gateway";
    o.knowledge = {doc("kettle-warranty", "Zephyr kettles carry a lifetime kettle warranty."),
                   doc("kettle-care", "Descale the kettle monthly."),
                   doc("shipping", "Shipping takes five business days.")};
    o.llm_override = std::make_shared<llm::scripted_provider>(std::vector<llm::script_entry>{
        tool_call("knowledge_search", R"({"query":"kettle warranty","limit":2})"), text("answered"),
        tool_call("knowledge_search", R"({"query":"kettle warranty","limit":2})"),
        text("answered")});
    server = std::make_unique<net::server>(std::move(o));
  }

  /// One turn; the knowledge_search tool result's text.
  std::string turn(const std::string& rid) {
    auto ws = connect(*server);
    const auto sid = create_session_id(*ws);
    start_turn(*ws, sid, rid, "hello there");
    auto frames = read_turn(*ws, rid);
    require_reply(frames.back(), rid, "answered");
    auto results = of_type(frames, "stream_chunk", "toolResult");
    REQUIRE(results.size() == 1);
    return results[0].text();
  }
};

}  // namespace

TEST_CASE("knowledge gateway: boot ingest, queries and knowledge_search use the gateway",
          "[server][knowledge][rerank]") {
  gateway_knowledge_server s;
  // Boot: one embeddings request per document, before anything was served.
  CHECK(s.gw.count("/v1/embeddings") == 3);
  CHECK(s.gw.count("/v1/rerank") == 0);

  const auto result = s.turn("r-1");
  // The automatic context's query and the tool's query were embedded there.
  CHECK(s.gw.count("/v1/embeddings") == 5);
  REQUIRE(s.gw.count("/v1/rerank") == 1);
  rapidjson::Document body;
  for (const auto& r : s.gw.server.requests())
    if (r.target == "/v1/rerank") protocol::parse_untrusted(body, r.body);
  CHECK(std::string(body["query"].GetString()) == "kettle warranty");
  CHECK(body["top_n"].GetUint() == 2);
  // The tool fetched limit x 4 candidates: every chunk that matched (at most 8).
  const auto candidates = body["documents"].Size();
  CHECK(candidates >= 2);
  CHECK(candidates <= 8);
  // The gateway reversed the candidates: the tool shows the LAST retrieved first.
  const std::string last_doc = body["documents"][candidates - 1].GetString();
  const std::string first_doc = body["documents"][0].GetString();
  INFO(result);
  const auto at_last = result.find(last_doc);
  REQUIRE(at_last != std::string::npos);
  if (candidates > 2) CHECK(result.find(first_doc) == std::string::npos);  // cut by top_n
  require_quiescent(*s.server);
}

TEST_CASE("knowledge gateway: a failing /rerank keeps the retrieval order",
          "[server][knowledge][rerank]") {
  gateway_knowledge_server s;
  s.gw.rerank_fails = true;
  const auto result = s.turn("r-1");
  CHECK(s.gw.count("/v1/rerank") == 1);
  INFO(result);
  // Retrieval ranks the warranty document first (both arms): it is still first.
  const auto warranty = result.find("id=kettle-warranty");
  REQUIRE(warranty != std::string::npos);
  const auto care = result.find("id=kettle-care");
  if (care != std::string::npos) CHECK(warranty < care);
  CHECK(result.find("Found 2 knowledge base result(s)") != std::string::npos);
  require_quiescent(*s.server);
}
