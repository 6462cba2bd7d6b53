// tests/server/postgres_knowledge_server_test.cpp — the whole server with knowledge on
// PostgreSQL (issue 9 item 6): SMOOTH_AGENT_SEED_KB and SMOOTH_AGENT_KNOWLEDGE_FILE
// ingest into the database; a turn's automatic context, the knowledge_search tool and
// the citations find the documents there; seeding is idempotent across restarts and
// across two servers booting at once; the documents outlive the process that
// ingested them. Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "tests/server/server_test_support.hpp"
#include "tests/support/pg/test_database.hpp"

#include <filesystem>
#include <fstream>
#include <future>

#include <unistd.h>

using namespace so::test;
using namespace so::test::srv;
using so::test::pg::fresh_database;

namespace {

constexpr const char* kReturnsDoc =
    "SmooAI's return window is exactly 17 days from delivery. Returns after 17 days are not "
    "accepted.";

so::net::server_options on_postgres(const std::string& url,
                                    std::shared_ptr<so::adapters::llm::provider> llm) {
  auto o = scripted_options(std::move(llm));
  o.config.storage = so::adapters::storage_backend::postgres;
  o.config.database_url = url;
  return o;
}

so::adapters::llm::script_entry tool_call(std::string name, std::string arguments) {
  so::adapters::llm::script_entry e;
  e.what = so::adapters::llm::script_entry::kind::tool_call;
  e.name = std::move(name);
  e.arguments = std::move(arguments);
  return e;
}

so::adapters::llm::script_entry scripted_text(std::string t) {
  so::adapters::llm::script_entry e;
  e.what = so::adapters::llm::script_entry::kind::text;
  e.text = std::move(t);
  return e;
}

/// Every message the model received in request `i`, joined.
std::string request_text(const so::adapters::llm::scripted_provider& llm, std::size_t i) {
  const auto requests = llm.requests();
  REQUIRE(requests.size() > i);
  std::string all;
  for (const auto& m : requests[i].messages) all += m.content + "\n|\n";
  return all;
}

std::int64_t chunk_rows(const std::string& url) {
  so::adapters::pg::connection c(url);
  return c.exec_simple("SELECT count(*) FROM knowledge_chunks", "count").int64(0, 0);
}

}  // namespace

TEST_CASE("postgres knowledge: the seeded knowledge base grounds a turn and is cited",
          "[server][postgres][knowledge]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  auto llm = scripted_texts({"Returns are accepted for 17 days."});
  auto o = on_postgres(db.url(), llm);
  o.config.seed_kb = true;
  so::net::server srv(o);
  CHECK(chunk_rows(db.url()) == 2);  // the two seed documents, one chunk each

  auto c = connect_to(srv);
  auto s = create_session(c);
  auto done = run_turn(c, s.session_id, "What is SmooAI's return window?", "t1");
  REQUIRE(str(done, "/type") == "eventual_response");
  // The automatic context, from the database: the returns document first, with its
  // fused RRF score (top of both arms: 2/61 → "0.03").
  const auto seen = request_text(*llm, 0);
  INFO(seen);
  CHECK(
      seen.find(std::string("[Relevant knowledge]\n- (source=policies/returns.md, score=0.03): ") +
                kReturnsDoc) != std::string::npos);
  CHECK(str(done, "/data/data/citations/0/id") == "policies/returns.md");
  CHECK(str(done, "/data/data/citations/0/snippet") == kReturnsDoc);
}

TEST_CASE("postgres knowledge: seeding is idempotent across restarts and concurrent boots",
          "[server][postgres][knowledge]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  {
    // Two processes booting at once on one database, both seeding.
    auto boot = [&] {
      auto o = on_postgres(db.url(), scripted_texts({}));
      o.config.seed_kb = true;
      return std::make_unique<so::net::server>(o);
    };
    auto a = std::async(std::launch::async, boot);
    auto b = std::async(std::launch::async, boot);
    auto first = a.get();
    auto second = b.get();
    CHECK(chunk_rows(db.url()) == 2);
  }
  {
    auto o = on_postgres(db.url(), scripted_texts({}));
    o.config.seed_kb = true;
    so::net::server again(o);  // a restart seeds again: replaces, never duplicates
    CHECK(chunk_rows(db.url()) == 2);
  }
  // A process that seeds nothing still finds what the others ingested.
  auto llm = scripted_texts({"5 to 7 business days."});
  so::net::server plain(on_postgres(db.url(), llm));
  auto c = connect_to(plain);
  auto s = create_session(c);
  auto done = run_turn(c, s.session_id, "How long does standard shipping take?", "t1");
  REQUIRE(str(done, "/type") == "eventual_response");
  CHECK(str(done, "/data/data/citations/0/id") == "policies/shipping.md");
}

TEST_CASE("postgres knowledge: SMOOTH_AGENT_KNOWLEDGE_FILE documents are found by knowledge_search",
          "[server][postgres][knowledge]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);
  const auto file = std::filesystem::temp_directory_path() /
                    ("so-pg-knowledge-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(file);
    out << R"([{"source":"docs/zorblax.md","content":"The zorblax protocol stores agent checkpoints."},
               {"source":"docs/other-org.md","orgId":"other-org","content":"zorblax elsewhere"}])";
  }
  struct remove_file {
    std::filesystem::path p;
    ~remove_file() { std::filesystem::remove(p); }
  } cleanup{file};

  auto llm = std::make_shared<so::adapters::llm::scripted_provider>(
      std::vector<so::adapters::llm::script_entry>{
          tool_call("knowledge_search", R"({"query":"zorblax checkpoints"})"),
          scripted_text("It stores checkpoints.")});
  auto o = on_postgres(db.url(), llm);
  o.config.knowledge_file = file.string();
  so::net::server srv(o);
  auto c = connect_to(srv);
  auto s = create_session(c);
  auto done = run_turn(c, s.session_id, "hello", "t1");
  REQUIRE(str(done, "/type") == "eventual_response");
  // The second model call carries the tool result: only the session org's document.
  const auto seen = request_text(*llm, 1);
  INFO(seen);
  CHECK(seen.find("Found 1 knowledge base result(s) for \"zorblax checkpoints\"") !=
        std::string::npos);
  CHECK(seen.find("docs/zorblax.md") != std::string::npos);
  CHECK(seen.find("docs/other-org.md") == std::string::npos);
  CHECK(str(done, "/data/data/citations/0/id") == "docs/zorblax.md");
}
