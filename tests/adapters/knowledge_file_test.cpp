// tests/adapters/knowledge_file_test.cpp — parse_documents, load_documents_file and
// the demo seed.
#include "adapters/knowledge/knowledge_file.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

using namespace so::adapters;

namespace {

constexpr const char* kLabel = "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json";

/// The std::invalid_argument message of parsing `json`, or "" when it parses.
std::string error_of(const std::string& json) {
  try {
    parse_documents(json, kLabel);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

/// A file under the temp directory, removed when the test ends.
struct temp_file {
  std::filesystem::path path;
  temp_file(const std::string& name, const std::string& text) {
    path = std::filesystem::temp_directory_path() /
           ("so-knowledge-" + std::to_string(::getpid()) + "-" + name + ".json");
    std::ofstream(path) << text;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("knowledge file: a full entry and the defaults", "[knowledge]") {
  auto docs = parse_documents(R"([
    {"source":"returns.md","content":"Returns within 30 days."},
    {"source":"https://ex.com/faq","content":"FAQ text","title":"FAQ","url":"https://ex.com/faq",
     "documentSet":["faq"," public ",""],"orgId":"org-9","id":"faq-1",
     "acl":{"public":false,"users":["alice"],"groups":["eng"]},"unknownKey":{"ignored":true}},
    {"source":"s.md","content":"c","documentSet":"policies","title":null,"acl":null}
  ])",
                              kLabel);
  REQUIRE(docs.size() == 3);

  CHECK(docs[0].id == "returns.md");
  CHECK(docs[0].source == "returns.md");
  CHECK(docs[0].content == "Returns within 30 days.");
  CHECK(docs[0].organization_id == "reference-org");
  CHECK(docs[0].document_sets.empty());
  CHECK_FALSE(docs[0].acl);
  CHECK_FALSE(docs[0].acl_malformed);
  CHECK_FALSE(docs[0].title);
  CHECK_FALSE(docs[0].url);

  CHECK(docs[1].id == "faq-1");
  CHECK(docs[1].organization_id == "org-9");
  CHECK(docs[1].title == std::optional<std::string>("FAQ"));
  CHECK(docs[1].url == std::optional<std::string>("https://ex.com/faq"));
  CHECK(docs[1].document_sets == std::vector<std::string>{"faq", "public"});
  REQUIRE(docs[1].acl);
  CHECK_FALSE(docs[1].acl->is_public);
  CHECK(docs[1].acl->users == std::vector<std::string>{"alice"});
  CHECK(docs[1].acl->groups == std::vector<std::string>{"eng"});

  CHECK(docs[2].document_sets == std::vector<std::string>{"policies"});
  CHECK_FALSE(docs[2].title);
  CHECK_FALSE(docs[2].acl);

  CHECK(parse_documents("[]", kLabel).empty());
}

TEST_CASE("knowledge file: ACL shapes", "[knowledge]") {
  auto acl_of = [](const std::string& acl_json) {
    return parse_documents(R"([{"source":"s","content":"c","acl":)" + acl_json + "}]", kLabel)[0];
  };
  auto empty = acl_of("{}");
  REQUIRE(empty.acl);  // an explicit empty ACL is a locked document, not "no ACL"
  CHECK_FALSE(empty.acl->is_public);
  CHECK(empty.acl->users.empty());
  CHECK_FALSE(empty.acl_malformed);
  CHECK(acl_of(R"({"public":true})").acl->is_public);

  for (const char* bad : {R"("public")", "[]", "true", "1", R"({"public":"yes"})",
                          R"({"users":"alice"})", R"({"groups":[1]})", R"({"users":[null]})"}) {
    INFO(bad);
    auto d = acl_of(bad);
    CHECK(d.acl_malformed);
    CHECK_FALSE(d.acl);
  }
}

TEST_CASE("knowledge file: every problem names the label, the entry and the problem",
          "[knowledge]") {
  CHECK(error_of("not json").rfind("SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: not valid JSON", 0) == 0);
  CHECK(error_of(R"({"source":"s"})") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: expected a JSON array of documents");
  CHECK(error_of(R"([{"source":"a","content":"b"},{"source":"a","content":"b"},
                     {"source":"s","content":""}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 2: 'content' must be a non-empty string");
  CHECK(error_of(R"([{"content":"c"}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'source' must be a non-empty string");
  CHECK(error_of(R"([{"source":7,"content":"c"}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'source' must be a non-empty string");
  CHECK(error_of(R"([{"source":"s"}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'content' must be a non-empty string");
  CHECK(error_of(R"([{"source":"s","content":"c","id":""}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'id' must be a non-empty string");
  CHECK(error_of(R"([{"source":"s","content":"c","orgId":5}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'orgId' must be a non-empty string");
  CHECK(error_of(R"([{"source":"s","content":"c","title":["t"]}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'title' must be a string");
  CHECK(error_of(R"([{"source":"s","content":"c","url":1}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'url' must be a string");
  CHECK(error_of(R"([{"source":"s","content":"c","documentSet":["a",2]}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'documentSet' must be a string or an "
        "array of strings");
  CHECK(error_of(R"([{"source":"s","content":"c","documentSet":{}}])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: 'documentSet' must be a string or an "
        "array of strings");
  CHECK(error_of(R"(["just a string"])") ==
        "SMOOTH_AGENT_KNOWLEDGE_FILE /x.json: entry 0: must be a JSON object");
  // Deep nesting is rejected, not a crash.
  CHECK(error_of(std::string(10000, '[') + std::string(10000, ']')).find("not valid JSON") !=
        std::string::npos);
  // Invalid UTF-8 is rejected.
  CHECK(error_of("[{\"source\":\"s\",\"content\":\"\xff\"}]").find("not valid JSON") !=
        std::string::npos);
}

TEST_CASE("knowledge file: loading from disk", "[knowledge]") {
  temp_file f("good", R"([{"source":"disk.md","content":"from disk"}])");
  auto docs = load_documents_file(f.path.string());
  REQUIRE(docs.size() == 1);
  CHECK(docs[0].content == "from disk");

  temp_file bad("bad", R"([{"source":"disk.md"}])");
  CHECK_THROWS_WITH(load_documents_file(bad.path.string()),
                    "SMOOTH_AGENT_KNOWLEDGE_FILE " + bad.path.string() +
                        ": entry 0: 'content' must be a non-empty string");
  CHECK_THROWS_WITH(load_documents_file(bad.path.string(), "scenario x.json server.knowledge"),
                    Catch::Matchers::StartsWith("scenario x.json server.knowledge " +
                                                bad.path.string() + ": entry 0"));

  const std::string missing = "/nonexistent/so-knowledge.json";
  CHECK_THROWS_WITH(
      load_documents_file(missing),
      Catch::Matchers::StartsWith("SMOOTH_AGENT_KNOWLEDGE_FILE " + missing + ": cannot open file"));
  CHECK_THROWS_WITH(load_documents_file(std::filesystem::temp_directory_path().string()),
                    Catch::Matchers::Contains("is a directory"));
}

TEST_CASE("knowledge file: the demo seed", "[knowledge]") {
  auto docs = seed_documents();
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].id == "policies/returns.md");
  CHECK(docs[0].source == "policies/returns.md");
  CHECK(docs[0].content ==
        "SmooAI's return window is exactly 17 days from delivery. Returns after 17 days are not "
        "accepted.");
  CHECK(docs[1].id == "policies/shipping.md");
  CHECK(docs[1].content ==
        "SmooAI standard shipping takes 5 to 7 business days. Expedited shipping takes 2 "
        "business days.");
  for (const auto& d : docs) {
    CHECK(d.organization_id == "reference-org");
    CHECK(d.document_sets == std::vector<std::string>{"policies"});
    CHECK_FALSE(d.acl);
    CHECK_FALSE(d.acl_malformed);
  }
}
