// The built-in knowledge_search wired to the storage pool (actors/knowledge_search.hpp):
// answered on the knowledge worker; refused at the knowledge queue bound with a tool
// error that names STORAGE_BUSY.
#include "actors/knowledge_search.hpp"
#include "actors/storage_pool.hpp"
#include "tests/actors/storage_gate.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace so;
using namespace std::chrono_literals;

namespace {

struct completion {
  adapters::tools::tool_outcome outcome;
  std::thread::id thread;
};

/// Invokes the tool; the future completes when the tool does.
std::future<completion> invoke(adapters::tools::tool& tool, const std::string& query) {
  auto done = std::make_shared<std::promise<completion>>();
  auto fut = done->get_future();
  adapters::tools::tool_context ctx;
  ctx.access.organization_id = "org-1";
  tool.invoke(R"({"query":")" + query + R"("})", ctx, [done](adapters::tools::tool_outcome o) {
    done->set_value({std::move(o), std::this_thread::get_id()});
  });
  return fut;
}

adapters::document doc(std::string id, std::string content) {
  adapters::document d;
  d.id = d.source = std::move(id);
  d.content = std::move(content);
  d.organization_id = "org-1";
  return d;
}

}  // namespace

TEST_CASE("knowledge_search runs on the knowledge worker", "[storage]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto kb = std::make_shared<adapters::memory_knowledge>();
  kb->ingest(doc("returns", "returns are accepted within thirty days"));
  auto pool = std::make_shared<actors::storage_pool>(
      sys, std::make_shared<adapters::memory_storage>(), kb, actors::storage_pool_options{});
  auto tool = actors::make_knowledge_search(pool);
  auto fut = invoke(*tool, "returns");
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  auto c = fut.get();
  CHECK_FALSE(c.outcome.is_error);
  REQUIRE(c.outcome.sources.size() == 1);
  CHECK(c.outcome.sources[0].document_id == "returns");
  CHECK(c.thread != std::this_thread::get_id());
  pool->stop();
}

TEST_CASE("knowledge_search at the knowledge queue bound is a STORAGE_BUSY tool error",
          "[storage]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto g = std::make_shared<test::gate>();
  auto pool = std::make_shared<actors::storage_pool>(
      sys, std::make_shared<adapters::memory_storage>(), std::make_shared<test::gated_knowledge>(g),
      actors::storage_pool_options{1, 1, 10s, 4, nullptr});
  auto tool = actors::make_knowledge_search(pool);
  g->close();
  auto running = invoke(*tool, "a");
  REQUIRE(g->wait_entered(1));
  auto queued = invoke(*tool, "b");
  auto refused = invoke(*tool, "c");
  // Refused on the caller's thread, while the worker is still held.
  REQUIRE(refused.wait_for(0s) == std::future_status::ready);
  auto c = refused.get();
  CHECK(c.outcome.is_error);
  CHECK(c.outcome.text ==
        "error: STORAGE_BUSY: storage is busy: 1 knowledge jobs already waiting "
        "(SMOOTH_AGENT_STORAGE_QUEUE)");
  CHECK(c.thread == std::this_thread::get_id());
  g->open();
  REQUIRE(running.wait_for(5s) == std::future_status::ready);
  REQUIRE(queued.wait_for(5s) == std::future_status::ready);
  CHECK_FALSE(queued.get().outcome.is_error);
  pool->stop();
}
