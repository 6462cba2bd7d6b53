// The indexing pipeline and one indexing pass (adapters/knowledge/indexing_pipeline.hpp,
// indexing_pass.hpp; storage-backplane.md §11, admin-auth.md §5.5–§5.6): deterministic
// chunk ids (re-indexing replaces), stale chunks removed, the org stamped, ACL labels,
// document sets, the ledger, dimension checks, and the run/cursor rules.
#include "adapters/knowledge/indexing_pipeline.hpp"
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/indexing_pass.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "protocol/domain.hpp"

#include <catch2/catch.hpp>

using namespace so::adapters;
using connectors::raw_document;
using V = std::vector<std::string>;

namespace {

raw_document raw(std::string id, std::string content) {
  raw_document d;
  d.id = std::move(id);
  d.source = "file";
  d.title = "T " + d.id;
  d.content = std::move(content);
  d.metadata["path"] = "/docs/" + d.id;
  return d;
}

access_context in_org(std::string org) {
  access_context a;
  a.organization_id = std::move(org);
  return a;
}

/// An embedder returning vectors of the wrong width, or the wrong count.
class broken_embedder final : public embedder {
 public:
  explicit broken_embedder(bool wrong_count) : wrong_count_(wrong_count) {}
  std::size_t dim() const override { return 4; }
  std::vector<embedding> embed(const std::vector<std::string>& texts, input_type) const override {
    if (wrong_count_) return {};
    return std::vector<embedding>(texts.size(), embedding(3, 0.5f));
  }

 private:
  bool wrong_count_;
};

/// A connector that yields fixed documents, or throws, and remembers `since`.
class fake_connector final : public connectors::connector {
 public:
  std::vector<raw_document> docs;
  std::optional<std::string> error;
  std::vector<std::optional<std::string>> sinces;
  std::vector<raw_document> pull(const std::optional<std::string>& since) override {
    sinces.push_back(since);
    if (error) throw std::runtime_error(*error);
    return docs;
  }
};

}  // namespace

TEST_CASE("indexing pipeline: helpers", "[ingest][pipeline]") {
  CHECK(ledger_key("org", "doc", "hello") == "org::doc::a430d84680aabd0b");
  CHECK(split_document_sets(" a, ,b ,,c") == V{"a", "b", "c"});
  CHECK(split_document_sets(" , ").empty());
  auto o = indexing_options_of(R"({"path":"x","document_set":"handbook, faq","boost":2.5})");
  CHECK(o.document_set == std::optional<std::string>("handbook, faq"));
  CHECK(o.boost == std::optional<std::string>("2.5"));
  CHECK(indexing_options_of(R"({"boost":"3"})").boost == std::optional<std::string>("3"));
  CHECK_FALSE(indexing_options_of("null").document_set);
  CHECK_FALSE(indexing_options_of(R"({"document_set":7})").document_set);
}

TEST_CASE("indexing pipeline: stored document fields", "[ingest][pipeline]") {
  auto r = raw("guide.md", "x");
  r.acl = {"github:acme/secret", "eng"};
  r.metadata["document_set"] = "own";
  const auto d = indexing_pipeline::stored_document("org-a", r, {"run-set", "2"});
  CHECK(d.id == "guide.md");
  CHECK(d.organization_id == "org-a");
  CHECK(d.source == "/docs/guide.md");
  CHECK(d.title == std::optional<std::string>("T guide.md"));
  CHECK_FALSE(d.url);
  CHECK(d.document_sets == V{"own"});  // the document's own set wins
  REQUIRE(d.acl);
  CHECK_FALSE(d.acl->is_public);
  CHECK(d.acl->groups == V{"github:acme/secret", "eng"});
  CHECK(d.acl->users.empty());
  CHECK(d.metadata.at("acl") == "github:acme/secret,eng");
  CHECK(d.metadata.at("acl_v2") ==
        R"({"public":false,"users":[],"groups":["github:acme/secret","eng"]})");
  CHECK(d.metadata.at("org_id") == "org-a");
  CHECK(d.metadata.at("document_id") == "guide.md");
  CHECK(d.metadata.at("title") == "T guide.md");
  CHECK(d.metadata.at("source") == "file");
  CHECK(d.metadata.at("document_set") == "own");
  CHECK(d.metadata.at("boost") == "2");

  auto web = raw("https://example.test/p", "x");
  web.metadata = {{"url", "https://example.test/p"}};
  const auto w = indexing_pipeline::stored_document("org-a", web, {"handbook", std::nullopt});
  CHECK(w.source == "https://example.test/p");
  CHECK(w.url == std::optional<std::string>("https://example.test/p"));
  CHECK(w.document_sets == V{"handbook"});
  CHECK_FALSE(w.acl);
  CHECK(w.metadata.count("acl_v2") == 0);
}

TEST_CASE("indexing pipeline: re-indexing replaces, stale chunks go, the org is stamped",
          "[ingest][pipeline]") {
  memory_knowledge kb;
  indexing_pipeline p(kb, nullptr, ingestion_chunker(20, 0));
  const std::vector<raw_document> docs = {
      raw("a.md", "apple one\n\napple two\n\napple three"),  // 3 chunks of ≤ 20
      raw("b.md", "banana"),
  };
  auto report = p.ingest("org-a", docs, {});
  CHECK(report.documents_pulled == 2);
  CHECK(report.documents_skipped == 0);
  CHECK(report.chunks_stored == 3);  // "apple one\n\napple two" + "apple three" + "banana"
  CHECK(report.embedding_dim == deterministic_embedder::kDefaultDim);
  CHECK(kb.count_chunks("org-a") == 3);
  CHECK(kb.count_chunks("reference-org") == 0);

  // Again: the same chunk count (deterministic ids, replace).
  report = p.ingest("org-a", docs, {});
  CHECK(report.chunks_stored == 3);
  CHECK(kb.count_chunks("org-a") == 3);

  // An edited document: its old chunks are replaced, none left over.
  auto edited = docs;
  edited[0].content = "cherry only";
  p.ingest("org-a", edited, {});
  CHECK(kb.count_chunks("org-a") == 2);
  CHECK(kb.query("apple", 10, in_org("org-a")).empty());
  auto hits = kb.query("cherry", 10, in_org("org-a"));
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].document_id == "a.md");
  CHECK(hits[0].source == "/docs/a.md");
  // Invisible to another org.
  CHECK(kb.query("cherry", 10, in_org("org-b")).empty());

  // A document that became blank: skipped and its chunks removed.
  edited[0].content = "  \n\n ";
  report = p.ingest("org-a", edited, {});
  CHECK(report.documents_skipped == 1);
  CHECK(kb.count_chunks("org-a") == 1);
}

TEST_CASE("indexing pipeline: the per-pass ledger skips a repeated document",
          "[ingest][pipeline]") {
  memory_knowledge kb;
  indexing_pipeline p(kb);
  const auto report = p.ingest("org-a", {raw("a.md", "same"), raw("a.md", "same")}, {});
  CHECK(report.documents_pulled == 2);
  CHECK(report.documents_skipped == 1);
  CHECK(report.chunks_stored == 1);
}

TEST_CASE("indexing pipeline: ACL labels hide a document from those without the group",
          "[ingest][pipeline]") {
  memory_knowledge kb;
  indexing_pipeline p(kb);
  auto secret = raw("s.md", "private plans");
  secret.acl = {"github:acme/secret"};
  p.ingest("org-a", {secret}, {});
  CHECK(kb.query("plans", 5, in_org("org-a")).empty());
  auto member = in_org("org-a");
  member.groups = {"github:acme/secret"};
  CHECK(kb.query("plans", 5, member).size() == 1);
}

TEST_CASE("indexing pipeline: embedding count and dimension are checked", "[ingest][pipeline]") {
  memory_knowledge kb;
  indexing_pipeline wrong_dim(kb, std::make_shared<broken_embedder>(false));
  CHECK_THROWS_WITH(wrong_dim.ingest("org-a", {raw("a.md", "x")}, {}),
                    Catch::Contains("3 dimensions, expected 4"));
  indexing_pipeline wrong_count(kb, std::make_shared<broken_embedder>(true));
  CHECK_THROWS_WITH(wrong_count.ingest("org-a", {raw("a.md", "x")}, {}),
                    Catch::Contains("0 vectors for 1 chunks"));
  CHECK(kb.count_chunks("org-a") == 0);
}

TEST_CASE("indexing pass: a succeeded run, its counts, cursor and document sets",
          "[ingest][pass]") {
  memory_knowledge kb;
  indexing_pipeline p(kb);
  tenant::memory_indexing_run_store runs;
  tenant::memory_document_set_store sets;
  const auto t0 = so::protocol::parse_rfc3339("2026-03-01T10:00:00Z").value();
  so::protocol::manual_clock clock(t0);
  const indexing_pass_stores stores{runs, sets, clock};
  fake_connector src;
  auto a = raw("a.md", "alpha");
  a.metadata["updated_at"] = "2026-01-02T03:04:05+01:00";
  auto b = raw("b.md", "beta");
  b.metadata["updated_at"] = "2026-02-01T00:00:00Z";
  auto c = raw("c.md", "gamma");
  c.metadata["updated_at"] = "not a time";
  src.docs = {a, b, c, raw("blank.md", " ")};

  auto run = run_indexing_pass(src, p, stores, "org-a", "docs", {"handbook", std::nullopt});
  CHECK(run.status == tenant::run_status::succeeded);
  CHECK(run.connector_name == tenant::scoped_connector_key("org-a", "docs"));
  CHECK(run.documents_seen == 4);
  CHECK(run.chunks_indexed == 3);
  CHECK(run.documents_skipped == 1);
  CHECK(run.cursor == std::optional<std::string>("2026-02-01T00:00:00Z"));  // the latest valid
  CHECK_FALSE(run.error);
  CHECK(run.started_at == t0);
  CHECK(run.finished_at == std::optional<so::protocol::time_point>(t0));
  CHECK(src.sinces == std::vector<std::optional<std::string>>{std::nullopt});
  CHECK(runs.list_runs(run.connector_name).size() == 1);
  CHECK(runs.connector_names("org-a") == V{"docs"});
  const auto listed = sets.list("org-a");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "handbook");
  CHECK(listed[0].document_count == 3);
  CHECK(sets.list("org-b").empty());

  // Next pass: since = the latest cursor; no timestamps → the start time.
  clock.advance(std::chrono::hours(1));
  src.docs = {raw("d.md", "delta")};
  run = run_indexing_pass(src, p, stores, "org-a", "docs", {});
  CHECK(src.sinces.back() == std::optional<std::string>("2026-02-01T00:00:00Z"));
  CHECK(run.cursor == std::optional<std::string>("2026-03-01T11:00:00Z"));

  // Nothing pulled: the previous cursor stays.
  src.docs.clear();
  run = run_indexing_pass(src, p, stores, "org-a", "docs", {});
  CHECK(run.status == tenant::run_status::succeeded);
  CHECK(run.documents_seen == 0);
  CHECK(run.cursor == std::optional<std::string>("2026-03-01T11:00:00Z"));
  CHECK(runs.list_runs(run.connector_name).size() == 3);
}

TEST_CASE("indexing pass: a source failure is a recorded failed run, the cursor holds",
          "[ingest][pass]") {
  memory_knowledge kb;
  indexing_pipeline p(kb);
  tenant::memory_indexing_run_store runs;
  tenant::memory_document_set_store sets;
  so::protocol::manual_clock clock(so::protocol::parse_rfc3339("2026-03-01T10:00:00Z").value());
  const indexing_pass_stores stores{runs, sets, clock};
  fake_connector src;
  auto a = raw("a.md", "alpha");
  a.metadata["updated_at"] = "2026-01-01T00:00:00Z";
  src.docs = {a};
  run_indexing_pass(src, p, stores, "org-a", "docs", {});

  src.error = "connect: Connection refused";
  auto run = run_indexing_pass(src, p, stores, "org-a", "docs", {});
  CHECK(run.status == tenant::run_status::failed);
  CHECK(run.error == std::optional<std::string>("connect: Connection refused"));
  CHECK(run.documents_seen == 0);
  CHECK(run.chunks_indexed == 0);
  CHECK_FALSE(run.cursor);
  CHECK(run.finished_at);
  const auto key = tenant::scoped_connector_key("org-a", "docs");
  CHECK(runs.list_runs(key).size() == 2);
  CHECK(runs.latest_cursor(key) == std::optional<std::string>("2026-01-01T00:00:00Z"));

  // A pipeline failure (the embedder) is a failed run too.
  src.error.reset();
  indexing_pipeline broken(kb, std::make_shared<broken_embedder>(false));
  run = run_indexing_pass(src, broken, stores, "org-a", "docs", {});
  CHECK(run.status == tenant::run_status::failed);
  CHECK(run.error->find("dimensions") != std::string::npos);

  // Another org's connector of the same name shares nothing.
  CHECK(runs.list_runs(tenant::scoped_connector_key("org-b", "docs")).empty());
}
