// The github connector against a fake GitHub API (tests/adapters/github_fake_api.hpp;
// storage-backplane.md §11, admin-auth.md §2.2): prose and code files, issues and PRs
// with comments, paging (at most 10 pages), `since`, token resolution (private repo
// without a token → config error), ACL groups of private repos, the API base.
#include "adapters/knowledge/connectors/github_connector.hpp"
#include "adapters/knowledge/connectors/connector.hpp"
#include "tests/adapters/github_fake_api.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace so::adapters::connectors;
using so::test::fake_github_getter;

namespace {

constexpr const char* kApi = "http://fake-github.test/api/v3";

so::adapters::tenant::connector_config github(std::string config) {
  so::adapters::tenant::connector_config c;
  c.id = "gh-1";
  c.org_id = "org-a";
  c.name = "acme docs";
  c.kind = "github";
  c.config_json = std::move(config);
  return c;
}

connector_environment env_with(std::shared_ptr<fake_github_getter> api,
                               std::map<std::string, std::string> secrets = {}) {
  connector_environment env;
  env.github_api_url = std::string(kApi) + "/";  // a trailing slash is dropped
  env.api_http = std::move(api);
  env.secret = [secrets](const std::string& name) -> std::optional<std::string> {
    auto it = secrets.find(name);
    if (it == secrets.end()) return std::nullopt;
    return it->second;
  };
  return env;
}

const raw_document* find(const std::vector<raw_document>& docs, const std::string& id) {
  auto it = std::find_if(docs.begin(), docs.end(), [&](const auto& d) { return d.id == id; });
  return it == docs.end() ? nullptr : &*it;
}

std::optional<std::string> header(const fake_github_getter::request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace

TEST_CASE("github connector: prose, code, issues and PRs of a public repo", "[ingest][github]") {
  auto api = std::make_shared<fake_github_getter>(kApi, 3);
  auto c = make_connector(github(R"({"owner":"acme","repo":"docs"})"), env_with(api));
  const auto docs = c->pull(std::nullopt);
  std::vector<std::string> ids;
  for (const auto& d : docs) ids.push_back(d.id);
  CHECK(ids == std::vector<std::string>{"acme/docs@main#README.md", "acme/docs@main#docs/guide.txt",
                                        "acme/docs@main#src/main.cpp", "acme/docs#issue-3",
                                        "acme/docs#pr-2", "acme/docs#issue-1"});
  const auto* readme = find(docs, "acme/docs@main#README.md");
  REQUIRE(readme);
  CHECK(readme->content == "Acme docs: the Zephyr kettle manual.");
  CHECK(readme->source == "https://github.com/acme/docs/blob/main/README.md");
  CHECK(readme->title == std::optional<std::string>("README.md"));
  CHECK(readme->metadata.at("kind") == "doc");
  CHECK(readme->metadata.at("repo") == "acme/docs");
  CHECK(readme->metadata.at("path") == "README.md");
  CHECK(readme->acl.empty());  // public: no ACL
  CHECK(find(docs, "acme/docs@main#src/main.cpp")->metadata.at("kind") == "code");

  const auto* one = find(docs, "acme/docs#issue-1");
  REQUIRE(one);
  CHECK(one->content == "Issue title 1\n\nBody of 1\n\nFirst comment on one.");
  CHECK(one->source == "https://github.com/acme/docs/issues/1");
  CHECK(one->metadata.at("kind") == "issue");
  CHECK(one->metadata.at("number") == "1");
  CHECK(one->metadata.at("updated_at") == "2026-01-01T00:00:00Z");
  CHECK(one->metadata.at("labels") == "bug,docs");
  CHECK(one->metadata.at("state") == "open");
  CHECK(find(docs, "acme/docs#pr-2")->metadata.at("kind") == "pr");

  // Unauthenticated, against the configured base, the default branch looked up.
  const auto reqs = api->requests();
  REQUIRE_FALSE(reqs.empty());
  CHECK(reqs[0].url == std::string(kApi) + "/repos/acme/docs");
  for (const auto& r : reqs) CHECK_FALSE(header(r, "Authorization"));
}

TEST_CASE("github connector: issues are paged by 100, at most 10 pages", "[ingest][github]") {
  SECTION("a short last page ends the paging") {
    auto api = std::make_shared<fake_github_getter>(kApi, 205);
    auto docs =
        make_connector(github(R"({"owner":"acme","repo":"docs","ref":"v1"})"), env_with(api))
            ->pull(std::nullopt);
    CHECK(docs.size() == 3 + 205);
    std::size_t pages = 0;
    for (const auto& r : api->requests()) pages += r.url.find("/issues?") != std::string::npos;
    CHECK(pages == 3);
    CHECK(find(docs, "acme/docs@v1#README.md"));  // the configured ref, no repo lookup
    CHECK(api->requests()[0].url.find("/git/trees/v1") != std::string::npos);
  }
  SECTION("never more than 10 pages") {
    auto api = std::make_shared<fake_github_getter>(kApi, 1500);
    auto docs = make_connector(github(R"({"owner":"acme","repo":"docs"})"), env_with(api))
                    ->pull(std::nullopt);
    CHECK(docs.size() == 3 + 1000);
    std::size_t pages = 0;
    for (const auto& r : api->requests()) pages += r.url.find("/issues?") != std::string::npos;
    CHECK(pages == 10);
  }
}

TEST_CASE("github connector: `since` is passed to the issues API", "[ingest][github]") {
  auto api = std::make_shared<fake_github_getter>(kApi, 50);
  auto c = make_connector(github(R"({"owner":"acme","repo":"docs"})"), env_with(api));
  const auto docs = c->pull(std::string("2026-01-05T00:00:00Z"));
  CHECK(docs.size() == 3 + 1);  // the fake answers only #1 when `since` is given
  bool saw = false;
  for (const auto& r : api->requests())
    if (r.url.find("/issues?") != std::string::npos) {
      CHECK(r.url.find("&since=2026-01-05T00%3A00%3A00Z") != std::string::npos);
      saw = true;
    }
  CHECK(saw);
}

TEST_CASE("github connector: token resolution and private repos", "[ingest][github]") {
  auto api = std::make_shared<fake_github_getter>(kApi, 1);
  // A private repo without auth_ref: refused when built (the route's 400).
  CHECK_THROWS_WITH(
      make_connector(github(R"({"owner":"acme","repo":"docs","visibility":"private"})"),
                     env_with(api)),
      Catch::Contains("private repo requires an 'auth_ref'"));
  // An auth_ref naming nothing (unset or blank): refused, public or private.
  CHECK_THROWS_WITH(
      make_connector(github(R"({"owner":"acme","repo":"docs","auth_ref":"GH_TOKEN"})"),
                     env_with(api)),
      Catch::Contains("auth_ref 'GH_TOKEN' did not resolve to a token"));
  CHECK_THROWS_AS(make_connector(github(R"({"owner":"acme","repo":"docs","auth_ref":"GH_TOKEN"})"),
                                 env_with(api, {{"GH_TOKEN", "  "}})),
                  connector_config_error);
  CHECK(api->requests().empty());  // nothing touched the network

  // With a token: sent as a bearer on every call; private repos get the repo group.
  auto c = make_connector(
      github(R"({"owner":"acme","repo":"docs","visibility":"private","auth_ref":" GH_TOKEN "})"),
      env_with(api, {{"GH_TOKEN", "ghp_secret"}}));
  const auto docs = c->pull(std::nullopt);
  REQUIRE_FALSE(docs.empty());
  for (const auto& d : docs) CHECK(d.acl == std::vector<std::string>{"github:acme/docs"});
  for (const auto& r : api->requests())
    CHECK(header(r, "Authorization") == std::optional<std::string>("Bearer ghp_secret"));

  // Configured ACL groups replace the default one; "Private" is not "private".
  auto grouped = make_connector(
      github(R"({"owner":"acme","repo":"docs","visibility":"private","auth_ref":"GH_TOKEN",)"
             R"("acl_groups":["eng","docs-team"]})"),
      env_with(api, {{"GH_TOKEN", "t"}}));
  for (const auto& d : grouped->pull(std::nullopt))
    CHECK(d.acl == std::vector<std::string>{"eng", "docs-team"});
  auto not_private = make_connector(
      github(R"({"owner":"acme","repo":"docs","visibility":"Private"})"), env_with(api));
  for (const auto& d : not_private->pull(std::nullopt)) CHECK(d.acl.empty());
}

TEST_CASE("github connector: API failures fail the pull", "[ingest][github]") {
  auto api = std::make_shared<fake_github_getter>(kApi, 1);
  auto c = make_connector(github(R"({"owner":"acme","repo":"missing"})"), env_with(api));
  CHECK_THROWS_WITH(c->pull(std::nullopt), Catch::Contains("HTTP 404"));
  connector_environment none;
  CHECK_THROWS_AS(make_connector(github(R"({"owner":"acme","repo":"docs"})"), none),
                  connector_config_error);
}
