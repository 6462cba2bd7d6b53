// The `file` connector and the connector factory (adapters/knowledge/connectors/,
// storage-backplane.md §11): walk order, extension filter, single files, metadata,
// the SMOOTH_AGENT_FILE_CONNECTOR_ROOT confinement (symlinks too), size and count
// bounds, lossy UTF-8, config errors.
#include "adapters/knowledge/connectors/file_connector.hpp"
#include "adapters/knowledge/connectors/connector.hpp"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <random>

using namespace so::adapters::connectors;
namespace fs = std::filesystem;

namespace {

using so::test::temp_dir;

so::adapters::tenant::connector_config config(std::string kind, std::string json) {
  so::adapters::tenant::connector_config c;
  c.id = "c1";
  c.org_id = "org-a";
  c.name = "docs";
  c.kind = std::move(kind);
  c.config_json = std::move(json);
  return c;
}

std::vector<std::string> ids(const std::vector<raw_document>& docs) {
  std::vector<std::string> out;
  for (const auto& d : docs) out.push_back(d.id);
  return out;
}

}  // namespace

TEST_CASE("file connector: a directory walk, sorted, filtered by extension", "[ingest][file]") {
  temp_dir t;
  t.write("b.md", "bee");
  t.write("a.TXT", "ay");
  t.write("sub/c.markdown", "sea");
  t.write("sub/deeper/d.mdx", "dee");
  t.write("e.text", "ee");
  t.write("f.pdf", "not text");
  t.write("noext", "none");
  file_connector fc(t.path, {});
  const auto docs = fc.pull(std::nullopt);
  CHECK(ids(docs) ==
        std::vector<std::string>{(t.path / "a.TXT").string(), (t.path / "b.md").string(),
                                 (t.path / "e.text").string(), (t.path / "sub/c.markdown").string(),
                                 (t.path / "sub/deeper/d.mdx").string()});
  const auto& b = docs[1];
  CHECK(b.source == "file");
  CHECK(b.title == std::optional<std::string>("b"));
  CHECK(b.content == "bee");
  CHECK(b.metadata.at("path") == (t.path / "b.md").string());
  CHECK(b.metadata.at("extension") == "md");
  CHECK(b.acl.empty());
  CHECK(docs[0].metadata.at("extension") == "TXT");
}

TEST_CASE("file connector: a single file is read whatever its extension", "[ingest][file]") {
  temp_dir t;
  const auto p = t.write("notes.cfg", "key = value");
  file_connector fc(p, {});
  const auto docs = fc.pull(std::string("2020-01-01T00:00:00Z"));  // since is ignored
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].id == p.string());
  CHECK(docs[0].content == "key = value");
  CHECK(docs[0].title == std::optional<std::string>("notes"));
}

TEST_CASE("file connector: configured extensions replace the default list", "[ingest][file]") {
  temp_dir t;
  t.write("a.md", "a");
  t.write("b.rst", "b");
  file_connector fc(t.path, {}, {"RST"});
  CHECK(ids(fc.pull(std::nullopt)) == std::vector<std::string>{(t.path / "b.rst").string()});
}

TEST_CASE("file connector: a missing path fails the pull, not the build", "[ingest][file]") {
  temp_dir t;
  file_connector fc(t.path / "missing", {});
  CHECK_THROWS_WITH(fc.pull(std::nullopt), Catch::Contains("does not exist"));
}

TEST_CASE("file connector: invalid UTF-8 is repaired, oversized files are skipped",
          "[ingest][file]") {
  temp_dir t;
  t.write("bad.txt", "ok \xFF end");
  t.write("big.txt", std::string(100, 'x'));
  connector_environment env;
  env.file_max_bytes = 50;
  file_connector fc(t.path, env);
  const auto docs = fc.pull(std::nullopt);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].content == "ok \xEF\xBF\xBD end");
}

TEST_CASE("file connector: a tree over the file count bound fails the pull", "[ingest][file]") {
  temp_dir t;
  for (int i = 0; i < 4; ++i) t.write("f" + std::to_string(i) + ".md", "x");
  connector_environment env;
  env.file_max_count = 3;
  file_connector fc(t.path, env);
  CHECK_THROWS_WITH(fc.pull(std::nullopt), Catch::Contains("more than 3 files"));
  env.file_max_count = 4;
  CHECK(file_connector(t.path, env).pull(std::nullopt).size() == 4);
}

TEST_CASE("file connector: SMOOTH_AGENT_FILE_CONNECTOR_ROOT confines the path", "[ingest][file]") {
  temp_dir t;
  t.write("root/docs/in.md", "inside");
  t.write("outside/secret.md", "secret");
  connector_environment env;
  env.file_root = t.path / "root";
  // Inside: absolute, or relative to the root.
  CHECK(file_connector(t.path / "root/docs", env).pull(std::nullopt).size() == 1);
  CHECK(file_connector("docs", env).pull(std::nullopt).size() == 1);
  CHECK(file_connector(t.path / "root", env).pull(std::nullopt).size() == 1);
  // Outside: refused when built, also through "..".
  CHECK_THROWS_AS(file_connector(t.path / "outside", env), connector_config_error);
  CHECK_THROWS_WITH(file_connector("../outside/secret.md", env),
                    Catch::Contains("outside SMOOTH_AGENT_FILE_CONNECTOR_ROOT"));
  CHECK_THROWS_AS(file_connector("/etc/passwd", env), connector_config_error);
  // A sibling sharing the root's name as a prefix is outside too.
  t.write("root2/x.md", "x");
  CHECK_THROWS_AS(file_connector(t.path / "root2", env), connector_config_error);
}

TEST_CASE("file connector: symlinks leading out of the root are refused or skipped",
          "[ingest][file]") {
  temp_dir t;
  t.write("root/docs/in.md", "inside");
  t.write("outside/secret.md", "secret");
  std::error_code ec;
  fs::create_directory_symlink(t.path / "outside", t.path / "root/link-dir", ec);
  REQUIRE_FALSE(ec);  // symlinks work on every Linux temp directory
  fs::create_symlink(t.path / "outside/secret.md", t.path / "root/docs/leak.md");
  connector_environment env;
  env.file_root = t.path / "root";
  // The configured path resolves outside: refused.
  CHECK_THROWS_AS(file_connector(t.path / "root/link-dir", env), connector_config_error);
  // A walked file that resolves outside is skipped.
  const auto docs = file_connector(t.path / "root/docs", env).pull(std::nullopt);
  CHECK(ids(docs) == std::vector<std::string>{(t.path / "root/docs/in.md").string()});
  // Without a root, the link is followed.
  CHECK(file_connector(t.path / "root/docs", {}).pull(std::nullopt).size() == 2);
}

TEST_CASE("make_connector: file from config, bad configs are config errors", "[ingest][file]") {
  temp_dir t;
  t.write("a.md", "hello");
  auto c = make_connector(config("file", R"({"path":")" + t.path.string() + R"("})"), {});
  CHECK(c->pull(std::nullopt).size() == 1);
  c = make_connector(
      config("file", R"({"path":")" + t.path.string() + R"(","extensions":["txt"]})"), {});
  CHECK(c->pull(std::nullopt).empty());

  CHECK_THROWS_WITH(make_connector(config("file", "{}"), {}),
                    "file connector config requires a 'path' field");
  CHECK_THROWS_WITH(make_connector(config("file", "null"), {}),
                    "file connector config requires a 'path' field");
  CHECK_THROWS_AS(make_connector(config("file", R"({"path":5})"), {}), connector_config_error);
  CHECK_THROWS_WITH(make_connector(config("file", R"({"path":"x","extensions":"md"})"), {}),
                    Catch::Contains("'extensions' must be an array of strings"));
  CHECK_THROWS_WITH(make_connector(config("slack", "{}"), {}), "unknown connector kind 'slack'");
  CHECK_THROWS_WITH(make_connector(config("github", R"({"owner":"o"})"), {}),
                    "github connector config requires a 'repo' field");
}
