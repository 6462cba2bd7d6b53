// tests/adapters/memory_knowledge_test.cpp — chunking, lexical scoring, visibility
// (org, ACL, document sets) and re-ingest of memory_knowledge (engine.md §7.2), and its
// hybrid ranking: the knowledge contract, the shared ranking corpus, RRF ties, vectors,
// and the English lexemes (PostgreSQL's stop words, Porter2).
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/knowledge/chunking.hpp"
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/english_lexemes.hpp"
#include "adapters/knowledge/knowledge_file.hpp"
#include "adapters/knowledge/unicode_text.hpp"
#include "tests/adapters/knowledge_contract.hpp"
#include "tests/adapters/knowledge_ranking_corpus.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace so::adapters;

namespace {

// Documents and requesters as the shared knowledge contract builds them.
using contract::anonymous_in;
using contract::knowledge_doc;
using contract::user_in;

std::vector<std::string> ids(const std::vector<knowledge_result>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.document_id);
  return out;
}

std::shared_ptr<memory_knowledge> seeded() {
  auto kb = std::make_shared<memory_knowledge>();
  for (const auto& d : seed_documents()) kb->ingest(d);
  return kb;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("memory_knowledge satisfies the knowledge contract", "[knowledge]") {
  contract::run_knowledge_contract([] { return std::make_shared<memory_knowledge>(); });
}

TEST_CASE("knowledge: worked examples of engine.md §7.2 on the seeded KB", "[knowledge]") {
  auto kb = seeded();

  auto r1 =
      kb->query("What is SmooAI's return window? Search the knowledge base.", 5, anonymous_in());
  REQUIRE(r1.size() == 1);
  CHECK(r1[0].document_id == "policies/returns.md");
  CHECK(r1[0].source == "policies/returns.md");
  CHECK(r1[0].score == 3.0f / 16.0f);
  CHECK(r1[0].chunk ==
        "SmooAI's return window is exactly 17 days from delivery. Returns after 17 days are not "
        "accepted.");

  auto r2 = kb->query("return window policy", 5, anonymous_in());
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].document_id == "policies/returns.md");
  CHECK(r2[0].score == 0.125f);

  auto r3 = kb->query("How long does shipping take?", 5, anonymous_in());
  REQUIRE(r3.size() == 1);
  CHECK(r3[0].document_id == "policies/shipping.md");
  CHECK(r3[0].score == 1.0f / 15.0f);

  CHECK(kb->query("hello", 5, anonymous_in()).empty());
}

TEST_CASE("knowledge: the citations example scores 1/13", "[knowledge]") {
  memory_knowledge kb;
  auto d = knowledge_doc(
      "returns.md", "SmooAI returns are accepted within 30 days of delivery for a full refund.");
  kb.ingest(d);
  auto r = kb.query("what is the return policy?", 3, anonymous_in());
  REQUIRE(r.size() == 1);
  CHECK(r[0].score == 1.0f / 13.0f);
}

TEST_CASE("knowledge: query word rules", "[knowledge]") {
  memory_knowledge kb;
  kb.ingest(knowledge_doc("d", "alpha beta"));
  SECTION("substring of a chunk word matches; punctuation is kept") {
    CHECK(kb.query("alp", 5, anonymous_in()).size() == 1);
    CHECK(kb.query("alpha?", 5, anonymous_in()).empty());
  }
  SECTION("duplicates count, so scores can exceed 1") {
    auto r = kb.query("a a a", 5, anonymous_in());
    REQUIRE(r.size() == 1);
    CHECK(r[0].score == 1.5f);  // 3 matches / 2 words
  }
  SECTION("no words or limit 0 gives nothing") {
    CHECK(kb.query("", 5, anonymous_in()).empty());
    CHECK(kb.query(" \t\n\u3000", 5, anonymous_in()).empty());
    CHECK(kb.query("alpha", 0, anonymous_in()).empty());
  }
  SECTION("matching is case-insensitive both ways") {
    CHECK(kb.query("ALPHA", 5, anonymous_in()).size() == 1);
    memory_knowledge upper;
    upper.ingest(knowledge_doc("u", "GAMMA Delta"));
    CHECK(upper.query("gamma delta", 5, anonymous_in())[0].score == 1.0f);
  }
}

TEST_CASE("knowledge: Unicode lower-casing", "[knowledge]") {
  memory_knowledge kb;
  kb.ingest(knowledge_doc("fr", "une école primaire"));
  kb.ingest(knowledge_doc("gr", "ΟΔΟΣ ΜΕΓΑΛΗ"));
  kb.ingest(knowledge_doc("de", "STRAẞE"));
  CHECK(ids(kb.query("ÉCOLE", 5, anonymous_in())) == V{"fr"});
  CHECK(ids(kb.query("École", 5, anonymous_in())) == V{"fr"});
  CHECK(ids(kb.query("μεγαλη", 5, anonymous_in())) == V{"gr"});
  CHECK(ids(kb.query("straße", 5, anonymous_in())) == V{"de"});

  unicode_lowercaser lc;
  CHECK(lc.lower("ÉCOLE Ünïcödé ДОМ") == "école ünïcödé дом");
  // Final sigma: ς only at the end of a cased run, σ elsewhere and when alone.
  CHECK(lc.lower("ΟΔΟΣ") == "\u03bf\u03b4\u03bf\u03c2");
  CHECK(lc.lower("ΣΑΣ ΟΣΑ Σ") == "\u03c3\u03b1\u03c2 \u03bf\u03c3\u03b1 \u03c3");
  // U+0130 lower-cases to two code points.
  CHECK(lc.lower("\u0130") == "i\u0307");
  // Invalid UTF-8 passes through untouched rather than failing.
  CHECK(lc.lower("A\xff\xc3"
                 "B") ==
        "a\xff\xc3"
        "b");
}

TEST_CASE("knowledge: Unicode whitespace helpers", "[knowledge]") {
  CHECK(is_unicode_whitespace(U'\u00a0'));
  CHECK(is_unicode_whitespace(U'\u3000'));
  CHECK(is_unicode_whitespace(U'\u2009'));
  CHECK(is_unicode_whitespace(U'\u0085'));
  CHECK_FALSE(is_unicode_whitespace(U'\u200b'));  // zero-width space is not White_Space
  CHECK_FALSE(is_unicode_whitespace(U'x'));
  CHECK(trim_unicode_whitespace("\u3000 a b\u00a0\n") == "a b");
  CHECK(trim_unicode_whitespace(" \u2028 ").empty());
  CHECK(split_unicode_whitespace("a\u2003b  c\td\u00a0") ==
        std::vector<std::string_view>{"a", "b", "c", "d"});
  CHECK(split_unicode_whitespace("x\xff y") == std::vector<std::string_view>{"x\xff", "y"});
}

TEST_CASE("knowledge: chunking", "[knowledge]") {
  SECTION("sections split on the exact \\n\\n, trimmed, empties skipped") {
    CHECK(chunk_content("First section about Rust.\n\nSecond section about Python.\n\nThird "
                        "section about Go.") == V{"First section about Rust.",
                                                  "Second section about Python.",
                                                  "Third section about Go."});
    CHECK(chunk_content("a\n\n\n\n \t \n\nb\n\n\nc") == V{"a", "b", "c"});
    // "\r\n\r\n" holds no "\n\n", so CRLF blank lines do not split (as the reference).
    CHECK(chunk_content("one\ntwo\r\n\r\nthree") == V{"one\ntwo\r\n\r\nthree"});
    CHECK(chunk_content("\u3000padded\u00a0") == V{"padded"});
    CHECK(chunk_content("").empty());
    CHECK(chunk_content("\n\n  \n\n").empty());
  }
  SECTION("a section of exactly 500 bytes is one chunk, with its inner whitespace kept") {
    std::string section = std::string(249, 'a') + "\n\t" + std::string(249, 'b');
    REQUIRE(section.size() == 500);
    CHECK(chunk_content(section) == V{section});
  }
  SECTION("the limit counts UTF-8 bytes, not characters") {
    std::string e250;
    for (int i = 0; i < 250; ++i) e250 += "é";  // 500 bytes
    CHECK(chunk_content(e250) == V{e250});
    std::string e251 = e250 + "é";  // 502 bytes, one word: its own oversize chunk
    CHECK(chunk_content(e251) == V{e251});
  }
  SECTION("a longer section is re-flowed greedily with single spaces") {
    // 100 words of 9 bytes: "wordNNNNN". 50 words + 49 spaces = 499 bytes fit; 51 would not.
    std::string section;
    V words;
    for (int i = 0; i < 100; ++i) {
      auto w = "word" + std::to_string(10000 + i);
      words.push_back(w);
      section += w + (i % 7 == 0 ? "\n  " : " ");
    }
    auto chunks = chunk_content(section);
    REQUIRE(chunks.size() == 2);
    std::string first, second;
    for (int i = 0; i < 50; ++i) first += (i ? " " : "") + words[i];
    for (int i = 50; i < 100; ++i) second += (i > 50 ? " " : "") + words[i];
    CHECK(chunks[0] == first);
    CHECK(chunks[0].size() == 499);
    CHECK(chunks[1] == second);
  }
  SECTION("a chunk may reach exactly 500 bytes when re-flowed") {
    std::string section = std::string(250, 'x') + " " + std::string(249, 'y') + " z";
    auto chunks = chunk_content(section);
    CHECK(chunks == V{std::string(250, 'x') + " " + std::string(249, 'y'), "z"});
  }
  SECTION("a word longer than 500 bytes becomes its own chunk") {
    const std::string huge(600, 'h');
    auto chunks = chunk_content("before " + huge + " after");
    CHECK(chunks == V{"before", huge, "after"});
  }
  SECTION("ingest stores every chunk as its own result") {
    memory_knowledge kb;
    kb.ingest(knowledge_doc("multi", "apple one\n\napple two three\n\npear"));
    auto r = kb.query("apple", 10, anonymous_in());
    REQUIRE(r.size() == 2);
    CHECK(r[0].chunk == "apple one");
    CHECK(r[0].score == 0.5f);
    CHECK(r[1].chunk == "apple two three");
    CHECK(r[1].score == 1.0f / 3.0f);
  }
}

TEST_CASE("knowledge: ranking is a stable sort by score, then truncation", "[knowledge]") {
  memory_knowledge kb;
  kb.ingest(knowledge_doc("tie-1", "alpha x"));
  kb.ingest(knowledge_doc("best", "alpha"));
  kb.ingest(knowledge_doc("tie-2", "alpha y"));
  kb.ingest(knowledge_doc("low", "alpha y z w"));
  kb.ingest(knowledge_doc("tie-3", "y alpha"));
  CHECK(ids(kb.query("alpha", 10, anonymous_in())) == V{"best", "tie-1", "tie-2", "tie-3", "low"});
  CHECK(ids(kb.query("alpha", 3, anonymous_in())) == V{"best", "tie-1", "tie-2"});
}

TEST_CASE("knowledge: re-ingesting a document id replaces its chunks", "[knowledge]") {
  memory_knowledge kb;
  kb.ingest(knowledge_doc("d1", "old words here\n\nmore old words"));
  kb.ingest(knowledge_doc("d2", "other old"));
  kb.ingest(knowledge_doc("d1", "new text"));
  CHECK(ids(kb.query("old", 10, anonymous_in())) == V{"d2"});
  auto r = kb.query("new", 10, anonymous_in());
  REQUIRE(r.size() == 1);
  CHECK(r[0].chunk == "new text");

  // The same id in another org is a different document.
  kb.ingest(knowledge_doc("d1", "new text elsewhere", "org-2"));
  CHECK(kb.query("new", 10, anonymous_in()).size() == 2);
  CHECK(kb.query("new", 10, anonymous_in("org-1")).size() == 1);
}

TEST_CASE("knowledge: org isolation", "[knowledge]") {
  memory_knowledge kb;
  kb.ingest(knowledge_doc("a", "shared topic", "org-a"));
  kb.ingest(knowledge_doc("b", "shared topic", "org-b"));
  CHECK(ids(kb.query("topic", 10, anonymous_in("org-a"))) == V{"a"});
  CHECK(ids(kb.query("topic", 10, user_in("u", {}, "org-b"))) == V{"b"});
  CHECK(ids(kb.query("topic", 10, anonymous_in())) == V{"a", "b"});  // no org = unscoped
  CHECK(kb.query("topic", 10, anonymous_in("org-c")).empty());
  access_context admin_a = user_in("boss", {}, "org-a");
  admin_a.is_admin = true;
  CHECK(ids(kb.query("topic", 10, admin_a)) == V{"a"});  // admins stay inside their org
}

// Document ACLs: the shared knowledge contract (knowledge_contract.hpp) covers them for
// this store and the PostgreSQL one.
TEST_CASE("knowledge: document sets", "[knowledge]") {
  memory_knowledge kb;
  auto p = knowledge_doc("p", "alpha policy");
  p.document_sets = {"policies"};
  auto f = knowledge_doc("f", "alpha faq");
  f.document_sets = {"faq", "public-docs"};
  auto none = knowledge_doc("none", "alpha loose");
  for (const auto& d : {p, f, none}) kb.ingest(d);
  using sets = std::optional<std::vector<std::string>>;
  CHECK(ids(kb.query("alpha", 10, anonymous_in(), std::nullopt)) == V{"p", "f", "none"});
  CHECK(kb.query("alpha", 10, anonymous_in(), sets(std::vector<std::string>{})).empty());
  CHECK(ids(kb.query("alpha", 10, anonymous_in(), sets({"policies"}))) == V{"p"});
  CHECK(ids(kb.query("alpha", 10, anonymous_in(), sets({"public-docs", "policies"}))) ==
        V{"p", "f"});
  CHECK(kb.query("alpha", 10, anonymous_in(), sets({"unknown"})).empty());

  // Sets compose with the ACL: a set never widens visibility.
  auto secret = knowledge_doc("s", "alpha secret");
  secret.document_sets = {"policies"};
  secret.acl = doc_acl{};
  kb.ingest(secret);
  CHECK(ids(kb.query("alpha", 10, anonymous_in(), sets({"policies"}))) == V{"p"});
}

TEST_CASE("knowledge: only the first max_query_words query words count", "[knowledge]") {
  knowledge_query_limits caps;
  caps.max_query_words = 2;
  memory_knowledge kb(caps);
  kb.ingest(knowledge_doc("d", "alpha beta gamma delta"));
  SECTION("words past the cap do not score") {
    auto r = kb.query("alpha beta gamma delta", 5, anonymous_in());
    REQUIRE(r.size() == 1);
    CHECK(r[0].score == 0.5f);  // 2 counted matches / 4 chunk words
  }
  SECTION("a match only past the cap finds nothing") {
    CHECK(kb.query("zzz yyy alpha", 5, anonymous_in()).empty());
  }
  SECTION("the default cap is 64 words") {
    memory_knowledge plain;
    plain.ingest(knowledge_doc("d", "alpha"));
    std::string q;
    for (int i = 0; i < 64; ++i) q += "alpha ";
    CHECK(plain.query(q, 5, anonymous_in())[0].score == 64.0f);
    CHECK(plain.query(q + "alpha", 5, anonymous_in())[0].score == 64.0f);
  }
}

TEST_CASE("knowledge: at most max_scored_chunks visible chunks are scored per query",
          "[knowledge]") {
  knowledge_query_limits caps;
  caps.max_scored_chunks = 2;
  memory_knowledge kb(caps);
  kb.ingest(knowledge_doc("hidden", "needle", "other-org"));  // invisible: does not use the budget
  kb.ingest(knowledge_doc("a", "needle one"));
  kb.ingest(knowledge_doc("b", "needle two"));
  kb.ingest(knowledge_doc("c", "needle"));  // the best match, but past the cap
  CHECK(ids(kb.query("needle", 5, anonymous_in("org-1"))) == V{"a", "b"});
  SECTION("re-ingesting moves a document to the end of the ingest order") {
    kb.ingest(knowledge_doc("a", "needle one"));
    CHECK(ids(kb.query("needle", 5, anonymous_in("org-1"))) == V{"c", "b"});  // best first
  }
  SECTION("the default cap is 10000 chunks") {
    CHECK(knowledge_query_limits{}.max_scored_chunks == 10000);
  }
}

TEST_CASE("knowledge: known_empty until the first chunk is stored", "[knowledge]") {
  memory_knowledge kb;
  CHECK(kb.known_empty());
  kb.ingest(knowledge_doc("d1", "Returns are accepted within 30 days."));
  CHECK_FALSE(kb.known_empty());
}

// ---- hybrid ranking (issue 11 item 6): the same RRF as postgres_knowledge ----

namespace {

std::shared_ptr<memory_knowledge> hybrid(embedder_ptr e = nullptr) {
  memory_knowledge_options o;
  o.ranking = memory_ranking::hybrid;
  o.embedder = std::move(e);
  return std::make_shared<memory_knowledge>(o);
}

float rrf(int rank) {
  return 1.0f / (60.0f + static_cast<float>(rank) + 1.0f);
}

}  // namespace

TEST_CASE("hybrid memory_knowledge satisfies the knowledge contract", "[knowledge]") {
  contract::run_knowledge_contract([] { return hybrid(); });
}

TEST_CASE("hybrid memory_knowledge: the shared ranking corpus", "[knowledge][ranking]") {
  auto kb = hybrid();
  so::test::ranking::run_ranking_corpus(*kb);
}

TEST_CASE("hybrid memory_knowledge: RRF per arm, ties by chunk id (as postgres_knowledge)",
          "[knowledge][ranking]") {
  auto kb = hybrid();
  SECTION("an arm each, both arms, and a tie") {
    kb->ingest(knowledge_doc("y-doc", "returns"));
    kb->ingest(knowledge_doc("x-doc", "return window"));
    kb->ingest(knowledge_doc("w-doc", "the cat"));
    auto r = kb->query("the return window", 5, anonymous_in("org-1"));
    CHECK(ids(r) == V{"x-doc", "w-doc", "y-doc"});
    REQUIRE(r.size() == 3);
    CHECK(r[0].score == rrf(0) + rrf(0));
    CHECK(r[1].score == rrf(1));
    CHECK(r[2].score == rrf(1));
    CHECK(ids(kb->query("the return window", 2, anonymous_in("org-1"))) == V{"x-doc", "w-doc"});
  }
  SECTION("arms that disagree: equal sums, chunk id decides") {
    kb->ingest(knowledge_doc("b", "alpha"));
    kb->ingest(knowledge_doc("a", "alpha beta"));
    auto r = kb->query("alpha", 5, anonymous_in());
    CHECK(ids(r) == V{"a", "b"});
  }
  SECTION("blank query or limit 0: nothing") {
    kb->ingest(knowledge_doc("a", "alpha"));
    CHECK(kb->query(" \n", 5, anonymous_in()).empty());
    CHECK(kb->query("alpha", 0, anonymous_in()).empty());
  }
}

TEST_CASE("hybrid memory_knowledge: vectors, dimension check, title and url",
          "[knowledge][ranking]") {
  auto kb = hybrid(std::make_shared<deterministic_embedder>(8));
  REQUIRE(kb->chunk_embedder());
  CHECK(kb->chunk_embedder()->dim() == 8);
  auto d = knowledge_doc("doc", "ignored");
  d.title = "The Title";
  d.url = "https://example.com/doc";
  CHECK_THROWS_AS(kb->replace_chunks(d, {prepared_chunk{"alpha", embedding(3, 0.0f)}}),
                  std::runtime_error);
  CHECK(kb->count_chunks("org-1") == 0);  // nothing stored
  kb->replace_chunks(d, {prepared_chunk{"alpha", deterministic_embedder(8).embed_one("alpha")}});
  auto r = kb->query("alpha", 3, anonymous_in());
  REQUIRE(r.size() == 1);
  CHECK(r[0].title == std::optional<std::string>("The Title"));
  CHECK(r[0].url == std::optional<std::string>("https://example.com/doc"));
  // The lexical store has no embedder: any vectors will do.
  CHECK_FALSE(memory_knowledge().chunk_embedder());
}

TEST_CASE("english lexemes: PostgreSQL's stop words and the Porter2 stemmer",
          "[knowledge][ranking]") {
  // Snowball English reference stems.
  const std::vector<std::pair<const char*, const char*>> stems{
      {"caresses", "caress"},
      {"ponies", "poni"},
      {"ties", "tie"},
      {"cats", "cat"},
      {"gas", "gas"},
      {"this", "this"},
      {"feed", "feed"},
      {"agreed", "agre"},
      {"plastered", "plaster"},
      {"motoring", "motor"},
      {"sing", "sing"},
      {"hopping", "hop"},
      {"filing", "file"},
      {"happy", "happi"},
      {"policy", "polici"},
      {"policies", "polici"},
      {"relational", "relat"},
      {"generalization", "general"},
      {"running", "run"},
      {"checkpoints", "checkpoint"},
      {"kettles", "kettl"},
      {"warranty", "warranti"},
      {"shipping", "ship"},
      {"business", "busi"},
      {"photosynthesis", "photosynthesi"},
      {"accepted", "accept"},
      {"delivery", "deliveri"},
      {"skies", "sky"},
      {"dying", "die"},
      {"news", "news"},
      {"succeed", "succeed"},
      {"communication", "communic"},
      {"generously", "generous"},
      {"hopeful", "hope"},
      {"adjustment", "adjust"},
      {"controlling", "control"},
  };
  for (const auto& [word, stem] : stems) {
    INFO(word);
    CHECK(porter2_stem(word) == stem);
  }
  CHECK(is_english_stop_word("the"));
  CHECK(is_english_stop_word("s"));
  CHECK_FALSE(is_english_stop_word("kettle"));
  CHECK(english_lexemes("What is SmooAI's return policy? 17 days, v2") ==
        V{"smooai", "return", "polici", "17", "day", "v2"});
}

namespace {

/// A dense 2-wide embedder: [1, occurrences of "alpha"] (no zero entries to skip).
class dense_embedder final : public embedder {
 public:
  std::size_t dim() const override { return 2; }
  std::vector<embedding> embed(const std::vector<std::string>& texts, input_type) const override {
    std::vector<embedding> out;
    for (const auto& t : texts) {
      float n = 0;
      for (std::size_t at = t.find("alpha"); at != std::string::npos; at = t.find("alpha", at + 1))
        ++n;
      out.push_back({1.0f, n});
    }
    return out;
  }
};

}  // namespace

TEST_CASE("hybrid memory_knowledge: dense vectors (a gateway's) rank by cosine too",
          "[knowledge][ranking]") {
  auto kb = hybrid(std::make_shared<dense_embedder>());
  kb->ingest(knowledge_doc("beta", "beta"));
  kb->ingest(knowledge_doc("alphas", "alpha alpha"));
  // Sparse: only "alphas" holds the lexeme. Dense: cos([1,1],[1,2]) = 0.949 before
  // cos([1,1],[1,0]) = 0.707.
  auto r = kb->query("alpha", 5, anonymous_in());
  CHECK(ids(r) == V{"alphas", "beta"});
  REQUIRE(r.size() == 2);
  CHECK(r[0].score == rrf(0) + rrf(0));
  CHECK(r[1].score == rrf(1));
}
