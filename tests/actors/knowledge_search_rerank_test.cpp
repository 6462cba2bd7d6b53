// The knowledge_search tool with a reranker (storage-backplane.md §5.3; issue 11 item
// 5): the knowledge worker fetches limit × 4 candidates and the reranker cuts them to
// the tool's limit, in its order; without a reranker exactly `limit` is fetched.
#include "actors/knowledge_search.hpp"
#include "actors/storage_pool.hpp"
#include "adapters/knowledge/lexical_reranker.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/storage/memory_storage.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <future>

using namespace so;
using namespace std::chrono_literals;

namespace {

/// A memory store that records the last limit it was asked for.
class recording_knowledge final : public adapters::knowledge_base {
 public:
  adapters::memory_knowledge inner;
  std::atomic<std::size_t> last_limit{0};

  void ingest(const adapters::document& d) override { inner.ingest(d); }
  void replace_chunks(const adapters::document& d,
                      const std::vector<adapters::prepared_chunk>& c) override {
    inner.replace_chunks(d, c);
  }
  bool remove_document(const std::string& o, const std::string& id) override {
    return inner.remove_document(o, id);
  }
  std::size_t count_chunks(const std::string& o) override { return inner.count_chunks(o); }
  std::vector<adapters::knowledge_result> query(
      const std::string& text, std::size_t limit, const adapters::access_context& access,
      const std::optional<std::vector<std::string>>& sets) override {
    last_limit = limit;
    return inner.query(text, limit, access, sets);
  }
};

/// Reverses the candidates, then truncates; records what it was given.
class reversing_reranker final : public adapters::reranker {
 public:
  mutable std::atomic<std::size_t> candidates{0};
  mutable std::atomic<std::size_t> top_k{0};
  std::vector<adapters::knowledge_result> rerank(const std::string&,
                                                 std::vector<adapters::knowledge_result> c,
                                                 std::size_t k) const override {
    candidates = c.size();
    top_k = k;
    std::reverse(c.begin(), c.end());
    if (c.size() > k) c.resize(k);
    return c;
  }
  const char* name() const override { return "reversing"; }
};

adapters::tools::tool_outcome run(adapters::tools::tool& tool, const std::string& args) {
  auto done = std::make_shared<std::promise<adapters::tools::tool_outcome>>();
  auto fut = done->get_future();
  adapters::tools::tool_context ctx;
  ctx.access.organization_id = "org-1";
  tool.invoke(args, ctx,
              [done](adapters::tools::tool_outcome o) { done->set_value(std::move(o)); });
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  return fut.get();
}

std::vector<std::string> ids(const std::vector<adapters::knowledge_result>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.document_id);
  return out;
}

struct world {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<recording_knowledge> kb = std::make_shared<recording_knowledge>();
  std::shared_ptr<actors::storage_pool> pool;
  world() {
    // Six documents all matching "kettle", the shorter the better (lexical scores).
    for (int i = 1; i <= 6; ++i) {
      adapters::document d;
      d.id = d.source = "d" + std::to_string(i);
      d.content = "kettle";
      for (int w = 1; w < i; ++w) d.content += " word";
      d.organization_id = "org-1";
      kb->ingest(d);
    }
    pool = std::make_shared<actors::storage_pool>(sys, std::make_shared<adapters::memory_storage>(),
                                                  kb, actors::storage_pool_options{});
  }
  ~world() { pool->stop(); }
};

}  // namespace

TEST_CASE("knowledge_search with a reranker fetches limit x 4 and reranks to limit",
          "[storage][rerank]") {
  world w;
  auto rr = std::make_shared<reversing_reranker>();
  auto tool = actors::make_knowledge_search(w.pool, rr);
  auto out = run(*tool, R"({"query":"kettle","limit":2})");
  REQUIRE_FALSE(out.is_error);
  CHECK(w.kb->last_limit == 8);
  CHECK(rr->candidates == 6);  // every match (fewer than 8)
  CHECK(rr->top_k == 2);
  CHECK(ids(out.sources) == std::vector<std::string>{"d6", "d5"});  // the reranker's order
  // The default limit is 3: 12 candidates.
  run(*tool, R"({"query":"kettle"})");
  CHECK(w.kb->last_limit == 12);
}

TEST_CASE("knowledge_search without a reranker fetches exactly limit, in retrieval order",
          "[storage][rerank]") {
  world w;
  auto tool = actors::make_knowledge_search(w.pool);
  auto out = run(*tool, R"({"query":"kettle","limit":2})");
  CHECK(w.kb->last_limit == 2);
  CHECK(ids(out.sources) == std::vector<std::string>{"d1", "d2"});
}

TEST_CASE("knowledge_search with the lexical reranker", "[storage][rerank]") {
  world w;
  auto tool = actors::make_knowledge_search(w.pool, std::make_shared<adapters::lexical_reranker>());
  auto out = run(*tool, R"({"query":"kettle word","limit":3})");
  REQUIRE_FALSE(out.is_error);
  REQUIRE(out.sources.size() == 3);
  // Retrieval (lexical store) ranks the shorter d1, d2, d3 first; the lexical reranker
  // saturates "word" occurrences against length: d3 (0.452) > d4 (0.448) > d5 (0.438)
  // > d2 (0.433) > d6 (0.428) > d1 (0.268).
  CHECK(ids(out.sources) == std::vector<std::string>{"d3", "d4", "d5"});
}
