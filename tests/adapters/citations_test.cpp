// tests/adapters/citations_test.cpp — build_citations (engine.md §1.13).
#include "adapters/knowledge/citations.hpp"
#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace so::adapters;

namespace {

knowledge_result result(std::string id, std::string source, std::string chunk = "chunk",
                        float score = 0.5f) {
  return knowledge_result{std::move(id), std::move(chunk), score, std::move(source), {}, {}};
}

std::vector<std::string> ids(const std::vector<so::protocol::events::citation>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.id);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("citations: fields derive from the result", "[knowledge]") {
  auto cs = build_citations({result("doc-1", "returns.md", "SmooAI returns...", 1.0f / 13.0f)}, {});
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].id == "doc-1");
  CHECK(cs[0].title == "returns.md");
  CHECK_FALSE(cs[0].url);
  CHECK(cs[0].snippet == "SmooAI returns...");
  CHECK(cs[0].score == 1.0f / 13.0f);
}

TEST_CASE("citations: url only for http(s) sources, case-sensitive", "[knowledge]") {
  auto cs = build_citations({result("a", "https://example.com/a"), result("b", "http://x.io/b"),
                             result("c", "HTTPS://example.com/c"), result("d", "ftp://x/d"),
                             result("e", "docs/http://not-a-prefix")},
                            {});
  REQUIRE(cs.size() == 5);
  CHECK(cs[0].url == std::optional<std::string>("https://example.com/a"));
  CHECK(cs[1].url == std::optional<std::string>("http://x.io/b"));
  CHECK_FALSE(cs[2].url);
  CHECK_FALSE(cs[3].url);
  CHECK_FALSE(cs[4].url);
}

TEST_CASE("citations: auto first, then tool results, dedupe keeps the first", "[knowledge]") {
  auto cs = build_citations({result("a", "a.md", "auto chunk", 0.9f), result("b", "b.md")},
                            {result("c", "c.md"), result("a", "a.md", "tool chunk", 0.1f),
                             result("d", "d.md"), result("c", "c.md", "again")});
  CHECK(ids(cs) == V{"a", "b", "c", "d"});
  CHECK(cs[0].snippet == "auto chunk");
  CHECK(cs[0].score == 0.9f);
  CHECK(cs[2].snippet == "chunk");
}

TEST_CASE("citations: at most 8", "[knowledge]") {
  std::vector<knowledge_result> autos, tools;
  for (int i = 0; i < 3; ++i) autos.push_back(result("auto-" + std::to_string(i), "x"));
  for (int i = 0; i < 10; ++i) tools.push_back(result("tool-" + std::to_string(i), "x"));
  tools.insert(tools.begin(), result("auto-1", "dup"));  // duplicates do not use a slot
  auto cs = build_citations(autos, tools);
  CHECK(ids(cs) ==
        V{"auto-0", "auto-1", "auto-2", "tool-0", "tool-1", "tool-2", "tool-3", "tool-4"});
  CHECK(build_citations({}, {}).empty());
}

TEST_CASE("citations: snippets are cut at 280 code points plus an ellipsis", "[knowledge]") {
  const std::string exact(280, 'x');
  CHECK(build_citations({result("a", "s", exact)}, {})[0].snippet == exact);

  const std::string longer = std::string(280, 'y') + "z";
  CHECK(build_citations({result("a", "s", longer)}, {})[0].snippet ==
        std::string(280, 'y') + "\u2026");

  // Code points, not bytes: 281 two-byte characters keep 280 of them whole.
  std::string accents;
  for (int i = 0; i < 281; ++i) accents += "é";
  const auto cut = build_citations({result("a", "s", accents)}, {})[0].snippet;
  CHECK(so::protocol::utf8_length(cut) == 281);  // 280 + the ellipsis
  CHECK(cut.substr(0, 560) == accents.substr(0, 560));
  CHECK(cut.substr(560) == "\u2026");

  std::string emoji_280;
  for (int i = 0; i < 280; ++i) emoji_280 += "\U0001F600";
  CHECK(build_citations({result("a", "s", emoji_280)}, {})[0].snippet == emoji_280);
}

TEST_CASE("citations: an indexed document's title and url win over its source",
          "[knowledge][ingest]") {
  // A file: the id and source are its path, the title its stem.
  auto file = result("/docs/warranty.md", "/docs/warranty.md");
  file.title = "warranty";
  // A GitHub file: source = its HTML URL, title = its path, url = the same URL.
  auto gh = result("acme/app@main#docs/a.md", "https://github.com/acme/app/blob/main/docs/a.md");
  gh.title = "docs/a.md";
  gh.url = "https://github.com/acme/app/blob/main/docs/a.md";
  // A url that is not http(s) is ignored; a blank title falls back to the source.
  auto odd = result("odd", "https://example.com/odd");
  odd.title = "";
  odd.url = "ftp://example.com/odd";
  auto cs = build_citations({file, gh, odd}, {});
  REQUIRE(cs.size() == 3);
  CHECK(cs[0].id == "/docs/warranty.md");
  CHECK(cs[0].title == "warranty");
  CHECK_FALSE(cs[0].url);
  CHECK(cs[1].title == "docs/a.md");
  CHECK(cs[1].url == std::optional<std::string>("https://github.com/acme/app/blob/main/docs/a.md"));
  CHECK(cs[2].title == "https://example.com/odd");
  CHECK(cs[2].url == std::optional<std::string>("https://example.com/odd"));
}
