// actors/knowledge_search.cpp — see knowledge_search.hpp.
#include "actors/knowledge_search.hpp"

#include "adapters/tools/knowledge_search_tool.hpp"

#include <string>
#include <utility>

namespace so::actors {

adapters::tools::tool_ptr make_knowledge_search(storage_pool_ptr pool,
                                                adapters::reranker_ptr reranker) {
  return std::make_shared<adapters::tools::knowledge_search_tool>(
      [pool, reranker](std::string query, std::size_t limit, adapters::access_context access,
                       auto done) {
        pool->post(
            knowledge_lane,
            [query = std::move(query), limit, access = std::move(access), done, reranker](
                adapters::storage&, adapters::knowledge_base& kb) {
              try {
                if (!reranker) return done(kb.query(query, limit, access), std::nullopt);
                auto candidates = kb.query(query, limit * kRerankCandidateFactor, access);
                done(reranker->rerank(query, std::move(candidates), limit), std::nullopt);
              } catch (const std::exception& e) {
                done({}, std::string(e.what()));
              }
            },
            [done](storage_failure f) { done({}, std::string(f.code) + ": " + f.message); });
      });
}

}  // namespace so::actors
