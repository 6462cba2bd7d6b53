// tests/server/knowledge_ingest_test.cpp — knowledge ingestion through the admin API,
// end to end (issue 11 "Done when"; admin-auth.md `POST /admin/connectors/{id}/index`,
// storage-backplane.md §11): a folder indexed as org A grounds an org-A chat turn (the
// model request carries the chunk, eventual_response cites it) and stays invisible to
// an org-B session; re-indexing keeps the chunk count; editing a file and re-indexing
// replaces its chunks; the run is listed; the route's 404/400/403 and failed-run rules.
// Runs on in-memory storage and, with SMOOTH_AGENT_TEST_DATABASE_URL, on PostgreSQL.
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/storage/postgres_connection.hpp"
#include "tests/adapters/github_fake_api.hpp"
#include "tests/server/admin_test_support.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/net/http_test_server.hpp"
#include "tests/support/pg/test_database.hpp"

#include "tests/support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <random>

using namespace so;
using namespace so::test;
using namespace so::test::admin;
using so::test::srv::at;
using so::test::srv::str;
namespace fs = std::filesystem;

namespace {

using so::test::temp_dir;

constexpr const char* kWarrantyOld =
    "Zephyr kettles carry a seven year warranty on the heating element.";
constexpr const char* kWarrantyNew =
    "Zephyr kettles carry a lifetime warranty on the heating element since 2026.";

/// An in-process server with the admin test tokens and a fake gateway that answers
/// "answered" to every turn.
struct ingest_server {
  fake_gateway fake;
  std::function<std::size_t(const std::string& org)> chunk_count;
  std::unique_ptr<net::server> server;

  explicit ingest_server(std::optional<std::string> database_url,
                         std::optional<std::string> file_root = std::nullopt,
                         bool web_allow_loopback = false,
                         std::optional<std::string> github_api = std::nullopt) {
    for (int i = 0; i < 16; ++i) fake.push(turns::text("answered"));
    auto o = turns::base_options();
    o.config.gateway_url = fake.base_url();
    o.config.gateway_key = "k";
    o.config.file_connector_root = std::move(file_root);
    o.config.web_connector_allow_loopback = web_allow_loopback;
    if (github_api) o.config.github_api_url = *github_api;
    o.authenticator = std::make_shared<map_authenticator>(tokens(), false);
    if (database_url) {
      o.config.storage = adapters::storage_backend::postgres;
      o.config.database_url = *database_url;
      chunk_count = [url = *database_url](const std::string& org) {
        adapters::pg::connection c(url);
        return static_cast<std::size_t>(
            c.exec("count", "SELECT count(*) FROM knowledge_chunks WHERE organization_id = $1",
                   {org}, "count")
                .int64(0, 0));
      };
    } else {
      // The server's in-memory store: hybrid ranking, deterministic embedder.
      auto kb = std::make_shared<adapters::memory_knowledge>(adapters::memory_knowledge_options{});
      o.knowledge_base = kb;
      chunk_count = [kb](const std::string& org) { return kb->count_chunks(org); };
    }
    server = std::make_unique<net::server>(std::move(o));
  }
  std::uint16_t port() const { return server->port(); }
};

std::string create_connector(std::uint16_t port, const std::string& config,
                             const std::string& kind = "file", const std::string& token = "admin-a",
                             const std::string& name = "local docs") {
  auto r = call(port, "POST", "/admin/connectors", token,
                R"({"name":")" + name + R"(","kind":")" + kind + R"(","config":)" + config + "}");
  INFO(r.body);
  REQUIRE(r.status == 201);
  return str(json(r), "/connector/id");
}

http_reply run_index(std::uint16_t port, const std::string& id,
                     const std::string& token = "curator-a") {
  return call(port, "POST", "/admin/connectors/" + id + "/index", token, "{}");
}

std::string path_config(const fs::path& p,
                        const std::optional<std::string>& document_set = std::nullopt) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "path");
  protocol::write_string(w, p.string());
  if (document_set) {
    protocol::write_key(w, "document_set");
    protocol::write_string(w, *document_set);
  }
  w.EndObject();
  return sb.GetString();
}

/// One chat turn of a session opened with `token`; returns what the model received
/// and the terminal frame.
struct turn_result {
  std::string model;  ///< every gateway request body of the turn
  turns::frame last;
};

turn_result ask(ingest_server& s, const std::string& token, const std::string& question) {
  const auto before = s.fake.requests().size();
  ws_connect_options wo;
  wo.port = s.port();
  wo.target = "/ws?token=" + token;
  ws_client ws(wo);
  const auto sid = turns::create_session_id(ws);
  turns::start_turn(ws, sid, "r-ask", question);
  auto frames = turns::read_turn(ws, "r-ask");
  turns::require_reply(frames.back(), "r-ask", "answered");
  turn_result t{"", frames.back()};
  const auto reqs = s.fake.requests();
  for (std::size_t i = before; i < reqs.size(); ++i) t.model += reqs[i].body + "\n";
  return t;
}

void index_ground_isolate_replace(ingest_server& s) {
  temp_dir docs;
  docs.write("warranty.md", kWarrantyOld);
  docs.write("guides/care.txt", "Descale Zephyr kettles monthly with citric acid.");
  docs.write("ignored.pdf", "Zephyr binary");
  const auto id = create_connector(s.port(), path_config(docs.path, "handbook"));

  // Index as a curator of org A: one pass, recorded.
  auto r = run_index(s.port(), id);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/run/connectorName") == "local docs");
  CHECK(str(d, "/run/status") == "succeeded");
  CHECK(at(d, "/run/documentsSeen")->GetUint64() == 2);
  CHECK(at(d, "/run/chunksIndexed")->GetUint64() == 2);
  CHECK(at(d, "/run/documentsSkipped")->GetUint64() == 0);
  CHECK(at(d, "/run/error")->IsNull());
  CHECK(at(d, "/run/cursor")->IsString());
  CHECK(at(d, "/run/finishedAt")->IsString());
  const auto run_id = str(d, "/run/id");
  CHECK(s.chunk_count("org-a") == 2);
  CHECK(s.chunk_count("org-b") == 0);

  // The documents are filed in the connector's document set, for org A only.
  d = json(call(s.port(), "GET", "/admin/document-sets", "curator-a"));
  REQUIRE(at(d, "/documentSets")->Size() == 1);
  CHECK(str(d, "/documentSets/0/name") == "handbook");
  CHECK(at(d, "/documentSets/0/documentCount")->GetUint64() == 2);
  CHECK(at(json(call(s.port(), "GET", "/admin/document-sets", "curator-b")), "/documentSets")
            ->Size() == 0);

  // GET /admin/indexing/runs shows it to org A only.
  d = json(call(s.port(), "GET", "/admin/indexing/runs", "curator-a"));
  REQUIRE(at(d, "/runs")->Size() == 1);
  CHECK(str(d, "/runs/0/id") == run_id);
  CHECK(str(d, "/runs/0/connectorName") == "local docs");
  CHECK(at(json(call(s.port(), "GET", "/admin/indexing/runs", "curator-b")), "/runs")->Size() == 0);

  // An org-A chat turn is grounded in the indexed file and cites it.
  const auto source = (docs.path / "warranty.md").string();
  auto a = ask(s, "alice", "How long is the Zephyr warranty?");
  CHECK(a.model.find(kWarrantyOld) != std::string::npos);
  INFO(a.last.text());
  REQUIRE(a.last.has("/data/data/citations"));
  CHECK(a.last.text().find(source) != std::string::npos);
  // The citation carries the indexed document: its path as id, its title (the
  // file's stem) as title, and no url (not an http(s) source).
  bool cited = false;
  for (std::size_t i = 0; i < a.last.size("/data/data/citations"); ++i) {
    const auto at_i = "/data/data/citations/" + std::to_string(i);
    if (a.last.str((at_i + "/id").c_str()) != source) continue;
    cited = true;
    CHECK(a.last.str((at_i + "/title").c_str()) == "warranty");
    CHECK_FALSE(a.last.has((at_i + "/url").c_str()));
    CHECK(a.last.str((at_i + "/snippet").c_str()) == kWarrantyOld);
  }
  CHECK(cited);
  // An org-B session sees none of it.
  auto b = ask(s, "carol", "How long is the Zephyr warranty?");
  CHECK(b.model.find("seven year") == std::string::npos);
  CHECK(b.model.find("Zephyr kettles") == std::string::npos);
  CHECK(b.last.text().find(source) == std::string::npos);

  // Re-indexing the same folder: the chunk count is unchanged.
  r = run_index(s.port(), id);
  REQUIRE(r.status == 200);
  CHECK(at(json(r), "/run/chunksIndexed")->GetUint64() == 2);
  CHECK(s.chunk_count("org-a") == 2);

  // Editing a file and re-indexing replaces its chunks.
  docs.write("warranty.md", kWarrantyNew);
  r = run_index(s.port(), id);
  REQUIRE(r.status == 200);
  CHECK(s.chunk_count("org-a") == 2);
  a = ask(s, "alice", "How long is the Zephyr warranty?");
  CHECK(a.model.find("lifetime warranty") != std::string::npos);
  CHECK(a.model.find("seven year") == std::string::npos);

  // Re-indexing never counts a document twice in its set.
  d = json(call(s.port(), "GET", "/admin/document-sets", "curator-a"));
  CHECK(at(d, "/documentSets/0/documentCount")->GetUint64() == 2);

  // Three runs listed, oldest first.
  d = json(call(s.port(), "GET", "/admin/indexing/runs", "curator-a"));
  REQUIRE(at(d, "/runs")->Size() == 3);
  CHECK(str(d, "/runs/0/id") == run_id);
}

}  // namespace

TEST_CASE("ingest: index a folder as org A, chat is grounded in org A only, re-index replaces",
          "[server][ingest]") {
  ingest_server s(std::nullopt);
  index_ground_isolate_replace(s);
}

TEST_CASE("ingest (postgres): index a folder as org A, grounded in org A only, re-index replaces",
          "[server][ingest][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  so::test::pg::fresh_database db(server_url);
  ingest_server s(db.url());
  index_ground_isolate_replace(s);
}

TEST_CASE("ingest: the index route's roles, 404, 400 and failed runs", "[server][ingest]") {
  temp_dir root;
  root.write("allowed/a.md", "allowed text");
  ingest_server s(std::nullopt, (root.path / "allowed").string());
  const auto ok = create_connector(s.port(), path_config(root.path / "allowed"));

  // Basic callers may not index; no token is 401.
  CHECK(run_index(s.port(), ok, "alice").status == 403);
  CHECK(run_index(s.port(), ok, "").status == 401);
  // Admins may too (curator+).
  CHECK(run_index(s.port(), ok, "admin-a").status == 200);

  // Another org's connector id is a 404, like an unknown one.
  auto r = run_index(s.port(), ok, "curator-b");
  CHECK(r.status == 404);
  CHECK(error_code(r) == "NOT_FOUND");
  CHECK(srv::str(json(r), "/error/message") == "connector '" + ok + "' not found");
  CHECK(run_index(s.port(), "no-such-id").status == 404);

  // A path outside SMOOTH_AGENT_FILE_CONNECTOR_ROOT: 400, nothing read, no run.
  const auto outside =
      create_connector(s.port(), path_config(root.path), "file", "admin-a", "outside");
  r = run_index(s.port(), outside);
  CHECK(r.status == 400);
  CHECK(error_code(r) == "VALIDATION_ERROR");
  CHECK(r.body.find("outside SMOOTH_AGENT_FILE_CONNECTOR_ROOT") != std::string::npos);

  // A private github repo without a token: 400, nothing fetched.
  const auto gh = create_connector(s.port(), R"({"owner":"o","repo":"r","visibility":"private"})",
                                   "github", "admin-a", "gh");
  r = run_index(s.port(), gh);
  CHECK(r.status == 400);
  CHECK(error_code(r) == "VALIDATION_ERROR");
  CHECK(r.body.find("private repo requires an 'auth_ref'") != std::string::npos);

  // A source failure is a 200 run with status "failed".
  const auto missing = create_connector(s.port(), path_config(root.path / "allowed/missing"),
                                        "file", "admin-a", "gone");
  r = run_index(s.port(), missing);
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/run/status") == "failed");
  CHECK(str(d, "/run/error").find("does not exist") != std::string::npos);
  CHECK(at(d, "/run/cursor")->IsNull());
  CHECK(at(d, "/run/documentsSeen")->GetUint64() == 0);
  CHECK(at(d, "/run/finishedAt")->IsString());

  // Runs of both recorded names are listed (the 400s recorded none).
  d = json(call(s.port(), "GET", "/admin/indexing/runs", "curator-a"));
  REQUIRE(at(d, "/runs")->Size() == 2);
  CHECK(str(d, "/runs/0/connectorName") == "gone");
  CHECK(str(d, "/runs/1/connectorName") == "local docs");
}

TEST_CASE("ingest: a web page through the admin API, the SSRF guard fails the run",
          "[server][ingest][web]") {
  test::http_test_server site([](const test::http_test_request&) {
    test::http_test_response r{200,
                               "<html><body><h1>Zephyr</h1><p>Kettles ship in 3 days.</p>"
                               "<script>var x = 'hidden';</script></body></html>"};
    r.content_type = "text/html";
    return r;
  });
  const auto web_config = R"({"url":")" + site.url("/shipping") + R"("})";

  SECTION("the switch off (production): loopback is refused, the run fails, nothing fetched") {
    ingest_server s(std::nullopt);
    const auto id = create_connector(s.port(), web_config, "web");
    auto r = run_index(s.port(), id);
    REQUIRE(r.status == 200);
    auto d = json(r);
    CHECK(str(d, "/run/status") == "failed");
    CHECK(str(d, "/run/error").find("SSRF guard") != std::string::npos);
    CHECK(site.requests().empty());
    CHECK(s.chunk_count("org-a") == 0);
  }
  SECTION("the test switch on: the page is fetched, stripped and grounds a turn") {
    ingest_server s(std::nullopt, std::nullopt, true);
    const auto id = create_connector(s.port(), web_config, "web");
    auto r = run_index(s.port(), id);
    REQUIRE(r.status == 200);
    CHECK(str(json(r), "/run/status") == "succeeded");
    CHECK(s.chunk_count("org-a") == 1);
    auto a = ask(s, "alice", "When do zephyr kettles ship?");
    CHECK(a.model.find("Zephyr\\n\\nKettles ship in 3 days.") != std::string::npos);
    CHECK(a.model.find("hidden") == std::string::npos);
    CHECK(a.last.text().find(site.url("/shipping")) != std::string::npos);
  }
  SECTION("a url that is not http(s) is a 400") {
    ingest_server s(std::nullopt);
    const auto id = create_connector(s.port(), R"({"url":"file:///etc/passwd"})", "web");
    auto r = run_index(s.port(), id);
    CHECK(r.status == 400);
    CHECK(error_code(r) == "VALIDATION_ERROR");
  }
}

TEST_CASE("ingest: a github repo through the admin API against a fake API",
          "[server][ingest][github]") {
  test::http_test_server api([](const test::http_test_request& r) {
    const auto a = test::fake_github(r.target.substr(std::string("/api").size()), 3);
    test::http_test_response out{a.status, a.body};
    out.content_type = "application/json";
    return out;
  });
  ingest_server s(std::nullopt, std::nullopt, false, api.url("/api"));
  const auto id = create_connector(s.port(), R"({"owner":"acme","repo":"docs"})", "github");
  auto r = run_index(s.port(), id);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto d = json(r);
  CHECK(str(d, "/run/status") == "succeeded");
  CHECK(at(d, "/run/documentsSeen")->GetUint64() == 6);    // 3 files, 2 issues, 1 PR
  CHECK(str(d, "/run/cursor") == "2026-01-03T00:00:00Z");  // the newest updated_at
  // The second pass asks the issues API only for what changed since the cursor.
  r = run_index(s.port(), id);
  REQUIRE(r.status == 200);
  bool since = false;
  for (const auto& q : api.requests())
    since = since || q.target.find("&since=2026-01-03T00%3A00%3A00Z") != std::string::npos;
  CHECK(since);
  auto a = ask(s, "alice", "What does the zephyr kettle manual cover?");
  CHECK(a.model.find("Zephyr kettle manual") != std::string::npos);
  CHECK(a.last.text().find("https://github.com/acme/docs/blob/main/README.md") !=
        std::string::npos);
}
