// tests/adapters/postgres_knowledge_test.cpp — postgres_knowledge against the shared
// knowledge contract, plus what only PostgreSQL does: RRF fusion (§4.4) with its
// tie-break, the bounded dense candidate set, the real[] fallback when pgvector is
// absent, atomic re-ingest across stores, org/ACL columns and persistence.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "adapters/knowledge/postgres_knowledge.hpp"
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/english_lexemes.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/knowledge/postgres_knowledge_sql.hpp"
#include "adapters/storage/postgres_schema.hpp"
#include "tests/adapters/knowledge_contract.hpp"
#include "tests/adapters/knowledge_ranking_corpus.hpp"
#include "tests/support/pg/test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace so::adapters;
using namespace so::adapters::contract;
using so::test::pg::count_of;
using so::test::pg::fresh_database;

namespace {

postgres_knowledge::options fallback() {
  postgres_knowledge::options o;
  o.force_real_array = true;
  return o;
}

std::vector<std::string> ids_in_order(const std::vector<knowledge_result>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.document_id);
  return out;
}

std::vector<float> scores(const std::vector<knowledge_result>& rs) {
  std::vector<float> out;
  for (const auto& r : rs) out.push_back(r.score);
  return out;
}

/// §4.4's contribution of a rank counted from 0, in f32.
float rrf(int rank) {
  return 1.0f / (60.0f + static_cast<float>(rank) + 1.0f);
}

/// `prefix` followed by `n` (appended: GCC 12 warns falsely on "literal" + to_string).
std::string numbered(std::string prefix, int n) {
  prefix.append(std::to_string(n));
  return prefix;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("postgres_knowledge satisfies the knowledge contract", "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  run_knowledge_contract([&]() -> std::shared_ptr<knowledge_base> {
    auto kb = std::make_shared<postgres_knowledge>(db.url(), fallback());
    pg::connection c(db.url());
    c.exec_simple("TRUNCATE knowledge_chunks", "truncate");
    return kb;
  });
}

TEST_CASE("postgres_knowledge: migration 4 creates the chunk table, its tsvector and GIN index",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());
  CHECK(pg::latest_schema_version() >= 4);
  pg::connection c(db.url());
  CHECK(count_of(c, "SELECT count(*) FROM schema_migrations WHERE version = 4") == 1);
  CHECK(count_of(
            c,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = "
            "'knowledge_chunks' AND column_name = 'content_tsv' AND is_generated = 'ALWAYS'") == 1);
  CHECK(count_of(c,
                 "SELECT count(*) FROM pg_indexes WHERE tablename = 'knowledge_chunks' AND "
                 "indexdef LIKE '%USING gin (content_tsv)%'") == 1);
  CHECK(c.exec_simple("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                      "'knowledge_chunks'::regclass AND attname = 'embedding'",
                      "type")
            .text(0, 0) == "real[]");
}

TEST_CASE("postgres_knowledge: without pgvector the default falls back to real[] and works",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  pg::connection c(db.url());
  const bool available =
      count_of(c, "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") != 0;
  postgres_knowledge kb(db.url(), postgres_knowledge::options{});  // probes pgvector
  CHECK(kb.uses_pgvector() == available);
  if (available) WARN("this PostgreSQL has pgvector: the fallback is covered by the forced option");
  kb.ingest(knowledge_doc("z", "zorblax protocol"));
  CHECK(ids_in_order(kb.query("zorblax", 3, anonymous_in())) == V{"z"});

  postgres_knowledge forced(db.url(), fallback());
  CHECK_FALSE(forced.uses_pgvector());
  CHECK(ids_in_order(forced.query("zorblax", 3, anonymous_in())) == V{"z"});
}

TEST_CASE("postgres_knowledge: RRF adds 1/(60+rank+1) per arm, ties by chunk id",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());

  SECTION("an arm each, both arms, and a tie") {
    // Query "the return window": lexemes 'return' | 'window' ("the" is a stop word).
    //  x-doc "return window": sparse rank 0 (both lexemes), dense rank 0 (cos 0.816);
    //  y-doc "returns":       sparse rank 1 (stems to 'return'), dense: no shared token;
    //  w-doc "the cat":       no lexeme, dense rank 1 (shares "the": cos 0.408).
    // y and w both score 1/62: the tie goes to the smaller chunk id, w-doc.
    kb.ingest(knowledge_doc("y-doc", "returns"));
    kb.ingest(knowledge_doc("x-doc", "return window"));
    kb.ingest(knowledge_doc("w-doc", "the cat"));
    auto r = kb.query("the return window", 5, anonymous_in("org-1"));
    CHECK(ids_in_order(r) == V{"x-doc", "w-doc", "y-doc"});
    CHECK(scores(r) == std::vector<float>{rrf(0) + rrf(0), rrf(1), rrf(1)});
    // Truncation keeps the fused order.
    CHECK(ids_in_order(kb.query("the return window", 2, anonymous_in("org-1"))) ==
          V{"x-doc", "w-doc"});
  }
  SECTION("arms that disagree: equal sums, chunk id decides") {
    // "alpha": equal ts_rank for both (sparse: a, b by chunk id), but b is the
    // closer vector (dense: b, a). Both sum rrf(0) + rrf(1).
    kb.ingest(knowledge_doc("b", "alpha"));
    kb.ingest(knowledge_doc("a", "alpha beta"));
    auto r = kb.query("alpha", 5, anonymous_in());
    CHECK(ids_in_order(r) == V{"a", "b"});
    CHECK(scores(r) == std::vector<float>{rrf(0) + rrf(1), rrf(0) + rrf(1)});
  }
  SECTION("P6: the zorblax document ranks first among unrelated ones") {
    kb.ingest(knowledge_doc("docs/france.md", "Paris is the capital of France."));
    kb.ingest(
        knowledge_doc("docs/photosynthesis.md",
                      "Photosynthesis converts light energy into chemical energy in plants."));
    kb.ingest(knowledge_doc("docs/zorblax.md",
                            "The zorblax protocol stores agent checkpoints in a pgvector store."));
    auto r = kb.query("zorblax protocol pgvector checkpoints", 3, anonymous_in());
    REQUIRE_FALSE(r.empty());
    CHECK(r[0].document_id == "docs/zorblax.md");
  }
}

TEST_CASE("postgres_knowledge: the dense arm sees the sparse hits plus the N newest visible chunks",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  auto options = fallback();
  options.recent_candidates = 3;
  postgres_knowledge kb(db.url(), options);
  // "the" is a stop word: a query of "the" has no sparse arm, so every result comes
  // from the dense arm's candidates (each "the docN" has cosine 0.707 with "the").
  for (int i = 1; i <= 6; ++i) kb.ingest(knowledge_doc(numbered("d", i), numbered("the doc", i)));
  // Newer, but invisible to the requester: they must not use up the N.
  auto hidden = knowledge_doc("h1", "the hidden");
  hidden.acl = doc_acl{};
  kb.ingest(hidden);
  kb.ingest(knowledge_doc("o1", "the other", "org-2"));

  auto r = kb.query("the", 10, anonymous_in("org-1"));
  CHECK(ids_in_order(r) == V{"d4", "d5", "d6"});  // equal cosine: chunk id order
  CHECK(scores(r) == std::vector<float>{rrf(0), rrf(1), rrf(2)});

  // Re-ingesting makes a document the newest.
  kb.ingest(knowledge_doc("d1", "the doc1"));
  CHECK(ids_in_order(kb.query("the", 10, anonymous_in("org-1"))) == V{"d1", "d5", "d6"});

  // N = 0: only the sparse arm's hits are dense candidates.
  options.recent_candidates = 0;
  postgres_knowledge sparse_only(db.url(), options);
  CHECK(sparse_only.query("the", 10, anonymous_in("org-1")).empty());
  auto d2 = sparse_only.query("the doc2", 10, anonymous_in("org-1"));
  CHECK(ids_in_order(d2) == V{"d2"});
  CHECK(scores(d2) == std::vector<float>{rrf(0) + rrf(0)});
}

TEST_CASE("postgres_knowledge: limit is capped by max_limit", "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  auto options = fallback();
  options.max_limit = 2;
  postgres_knowledge kb(db.url(), options);
  for (const char* id : {"a", "b", "c"}) kb.ingest(knowledge_doc(id, "alpha"));
  CHECK(kb.query("alpha", 10, anonymous_in()).size() == 2);
}

TEST_CASE("postgres_knowledge: rows carry the document's org, sets, ACL and chunk index",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());
  auto d = knowledge_doc("doc", "first part\n\nsecond part", "acme");
  d.title = "The Doc";
  d.url = "https://example.com/doc";
  d.document_sets = {"policies", "a,b \"quoted\""};
  d.acl = doc_acl{false, {"alice"}, {"eng", "ops"}};
  kb.ingest(d);
  pg::connection c(db.url());
  auto r = c.exec_simple(
      "SELECT organization_id, document_id, chunk_index, source, title, url, document_sets, "
      "has_acl, acl_public, acl_users, acl_groups, acl_malformed, content, "
      "array_length(embedding, 1) FROM knowledge_chunks ORDER BY chunk_index",
      "read");
  REQUIRE(r.rows() == 2);
  CHECK(r.text(0, 0) == "acme");
  CHECK(r.text(0, 1) == "doc");
  CHECK(r.text(1, 2) == "1");
  CHECK(r.text(0, 3) == "src/doc");
  CHECK(r.text(0, 4) == "The Doc");
  CHECK(r.text(0, 5) == "https://example.com/doc");
  CHECK(r.text(0, 6) == R"({policies,"a,b \"quoted\""})");
  CHECK(r.text(0, 7) == "t");
  CHECK(r.text(0, 8) == "f");
  CHECK(r.text(0, 9) == "{alice}");
  CHECK(r.text(0, 10) == "{eng,ops}");
  CHECK(r.text(0, 11) == "f");
  CHECK(r.text(0, 12) == "first part");
  CHECK(r.text(1, 12) == "second part");
  CHECK(r.text(0, 13) == "1024");
  CHECK(id_set(kb.query("part", 5, anonymous_in("acme"),
                        std::vector<std::string>{"a,b \"quoted\""})) ==
        V{});  // ACL: anonymous sees nothing
  CHECK(
      kb.query("part", 5, user_in("alice", {}, "acme"), std::vector<std::string>{"a,b \"quoted\""})
          .size() == 2);
}

TEST_CASE("postgres_knowledge: ACLs persist across store instances (P7)", "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  {
    postgres_knowledge first(db.url(), fallback());
    first.ingest(knowledge_doc("doc-public", "alpha public document"));
    auto priv = knowledge_doc("doc-private", "alpha private document");
    priv.acl = doc_acl{false, {}, {"github:acme/secret"}};
    first.ingest(priv);
  }
  postgres_knowledge fresh(db.url(), fallback());
  CHECK(id_set(fresh.query("alpha", 5, user_in("random-user", {"eng"}))) == V{"doc-public"});
  CHECK(id_set(fresh.query("alpha", 5, anonymous_in())) == V{"doc-public"});
  CHECK(id_set(fresh.query("alpha", 5, user_in("x", {"github:acme/secret"}))) ==
        V{"doc-private", "doc-public"});
}

TEST_CASE("postgres_knowledge: concurrent re-ingests of one document from two stores",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  // Two stores = two processes seeding the same database at once.
  postgres_knowledge one(db.url(), fallback());
  postgres_knowledge two(db.url(), fallback());
  std::atomic<int> failures{0};
  // Version v has (v % 3) + 1 chunks, each "vV part P".
  const auto version = [](int v) {
    std::string content;
    for (int p = 0; p <= v % 3; ++p)
      content.append(numbered("v", v)).append(numbered(" part", p)).append("\n\n");
    return knowledge_doc("shared", content);
  };
  const auto writer = [&](postgres_knowledge& kb, int first) {
    for (int v = first; v < first + 20; ++v) {
      try {
        kb.ingest(version(v));
      } catch (const std::exception& e) {
        ++failures;
        WARN(e.what());
      }
    }
  };
  std::thread a(writer, std::ref(one), 0);
  std::thread b(writer, std::ref(two), 100);
  a.join();
  b.join();
  CHECK(failures == 0);
  // Exactly one version's chunks remain, all of them (replace is atomic).
  pg::connection c(db.url());
  auto r = c.exec_simple(
      "SELECT split_part(content, ' ', 1), count(*), max(chunk_index) FROM knowledge_chunks "
      "GROUP BY 1",
      "versions");
  REQUIRE(r.rows() == 1);
  const int v = std::stoi(r.text(0, 0).substr(1));
  CHECK(r.int64(0, 1) == v % 3 + 1);
  CHECK(r.int64(0, 2) == v % 3);
}

TEST_CASE("postgres_knowledge: query text is bound, never spliced, tsquery syntax is inert",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());
  kb.ingest(knowledge_doc("d", "alpha beta"));
  CHECK_NOTHROW(kb.query("'; DROP TABLE knowledge_chunks; --", 5, anonymous_in()));
  CHECK_NOTHROW(kb.query("alpha & | ! ( ) :* <-> \\ '' \"", 5, anonymous_in()));
  CHECK(ids_in_order(kb.query("alpha & !beta", 5, anonymous_in("org-1"))) == V{"d"});
  CHECK(ids_in_order(kb.query("x", 5, user_in("'; --", {"' OR true --"}, "' OR '1'='1"))).empty());
  pg::connection c(db.url());
  CHECK(count_of(c, "SELECT count(*) FROM knowledge_chunks") == 1);
}

TEST_CASE("postgres_knowledge: known_empty is always false, a bad database stops construction",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());
  CHECK_FALSE(kb.known_empty());  // another process may ingest at any time
  postgres_knowledge::options o = fallback();
  o.pool.connect_timeout_s = 2;
  CHECK_THROWS_AS(postgres_knowledge("postgresql://nobody@127.0.0.1:1/none", o), storage_error);
}

TEST_CASE("postgres_knowledge: embeddings of another width stop construction",
          "[knowledge][postgres]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  {
    auto o = fallback();
    o.embedder = std::make_shared<deterministic_embedder>(16);
    postgres_knowledge narrow(db.url(), o);
    narrow.ingest(knowledge_doc("d", "alpha"));
    CHECK(ids_in_order(narrow.query("alpha", 3, anonymous_in())) == V{"d"});
  }
  CHECK_THROWS_WITH(
      postgres_knowledge(db.url(), fallback()),
      Catch::Matchers::Contains("16 dimensions") && Catch::Matchers::Contains("produces 1024"));
}

TEST_CASE("postgres_knowledge: the pgvector mode's sparse statement runs on plain PostgreSQL",
          "[knowledge][postgres]") {
  // The pgvector path cannot run here (no extension); its sparse statement needs no
  // vector type, so at least that part is checked against the fallback's ranks.
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());
  kb.ingest(knowledge_doc("x-doc", "return window"));
  kb.ingest(knowledge_doc("y-doc", "returns"));
  kb.ingest(knowledge_doc("z-doc", "nothing relevant"));
  pg::connection c(db.url());
  const std::vector<pg::param> params = {std::string("the return window"),
                                         std::string("org-1"),
                                         std::nullopt,
                                         std::string("false"),
                                         std::nullopt,
                                         std::string("{}"),
                                         std::string("20")};
  auto r =
      c.exec("sparse", pg::knowledge_sql::sparse_query(pg::knowledge_sql::scope::in_org).c_str(),
             params, "sparse");
  REQUIRE(r.rows() == 2);
  std::map<std::string, std::int64_t> rank;
  for (int i = 0; i < r.rows(); ++i) {
    CHECK(r.is_null(i, 5));  // no embedding in this mode
    rank[r.text(i, 1)] = r.int64(i, 6);
  }
  CHECK(rank == std::map<std::string, std::int64_t>{{"x-doc", 0}, {"y-doc", 1}});
}

TEST_CASE("postgres_knowledge: the shared ranking corpus (same orders as memory)",
          "[knowledge][postgres][ranking]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  postgres_knowledge kb(db.url(), fallback());
  so::test::ranking::run_ranking_corpus(kb);
  // The in-memory store gives the very same scores.
  memory_knowledge memory(memory_knowledge_options{});
  for (const auto& d : so::test::ranking::corpus_documents()) memory.ingest(d);
  for (const auto& q : so::test::ranking::corpus_queries()) {
    INFO(q.text);
    CHECK(scores(kb.query(q.text, q.limit, q.access, q.document_sets)) ==
          scores(memory.query(q.text, q.limit, q.access, q.document_sets)));
  }
}

TEST_CASE("english_lexemes agrees with PostgreSQL's english configuration on plain words",
          "[knowledge][postgres][ranking]") {
  SO_PG_URL_OR_SKIP(server);
  fresh_database db(server);
  pg::connection c(db.url());
  // Every word of the ranking corpus and its queries, plus stemmer edge cases.
  std::string text;
  for (const auto& d : so::test::ranking::corpus_documents()) text += d.content + " ";
  for (const auto& q : so::test::ranking::corpus_queries()) text += q.text + " ";
  text +=
      "caresses ponies ties cats gas this feed agreed plastered motoring sing hopping filing "
      "happy policy policies relational generalization running skies dying news succeed "
      "communication generously hopeful adjustment controlling conditional rational "
      "valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli "
      "vietnamization predication operator feudalism decisiveness hopefulness callousness "
      "formaliti sensitiviti sensibiliti triplicate formative formalize electriciti "
      "electrical hopeful goodness revival allowance inference airliner gyroscopic "
      "adjustable defensible irritant replacement adjustment dependent adoption homologou "
      "communism activate angulariti homologous effective bowdlerize probate rate cease "
      "controll roll generate arsenal commune yellow saying by say eyed";
  std::vector<std::string> expected;
  // to_tsvector lists lexemes sorted, with positions; unnest gives them in text order.
  auto r = c.exec("lexemes",
                  "SELECT lexeme FROM unnest(to_tsvector('english', $1::text)) ORDER BY "
                  "positions[1]",
                  {text}, "lexemes");
  for (int i = 0; i < r.rows(); ++i) expected.push_back(r.text(i, 0));
  // Distinct lexemes in first-occurrence order, from ours.
  std::vector<std::string> ours;
  for (auto& l : english_lexemes(text))
    if (std::find(ours.begin(), ours.end(), l) == ours.end()) ours.push_back(l);
  CHECK(ours == expected);
}
