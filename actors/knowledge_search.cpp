// actors/knowledge_search.cpp — see knowledge_search.hpp.
#include "actors/knowledge_search.hpp"

#include "adapters/tools/knowledge_search_tool.hpp"

#include <string>
#include <utility>

namespace so::actors {

adapters::tools::tool_ptr make_knowledge_search(storage_pool_ptr pool) {
  return std::make_shared<adapters::tools::knowledge_search_tool>(
      [pool](std::string query, std::size_t limit, adapters::access_context access, auto done) {
        pool->post(
            knowledge_lane,
            [query = std::move(query), limit, access = std::move(access), done](
                adapters::storage&, adapters::knowledge_base& kb) {
              try {
                done(kb.query(query, limit, access), std::nullopt);
              } catch (const std::exception& e) {
                done({}, std::string(e.what()));
              }
            },
            [done](storage_failure f) { done({}, std::string(f.code) + ": " + f.message); });
      });
}

}  // namespace so::actors
