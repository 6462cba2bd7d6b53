// tests/adapters/knowledge_ranking_corpus.hpp — ONE corpus, queries and expected orders
// that every hybrid knowledge store must reproduce exactly (issue 11 item 6: the
// in-memory store ranks like PostgreSQL). memory_knowledge_test.cpp runs it on the
// hybrid in-memory store, postgres_knowledge_test.cpp on PostgreSQL (real[] fallback).
//
// The documents are plain English words (no hyphens, paths or e-mail addresses: the
// in-memory approximation of PostgreSQL's parser splits those differently, see
// english_lexemes.hpp) in two orgs, one of them with a group ACL and one with two
// chunks. The queries cover: both arms agreeing, stems that only the sparse arm joins
// ("kettle" / "kettles"), stop words, several occurrences of a lexeme (ts_rank's
// Σ 1/j²), the org and ACL filters, document sets, and ties broken by chunk id.
// Each expectation lists "<document id>#<chunk index>" best first. The PostgreSQL test
// also runs the in-memory store on the corpus and compares the scores (the same f32 RRF
// sums), query by query.
//
// Thread-safety: test-thread only.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

namespace so::test::ranking {

using adapters::access_context;
using adapters::document;
using adapters::knowledge_base;
using adapters::knowledge_result;

inline document corpus_doc(std::string id, std::string content, std::string org = "org-a") {
  document d;
  d.id = id;
  d.source = "corpus/" + id;
  d.title = id;
  d.content = std::move(content);
  d.organization_id = std::move(org);
  return d;
}

inline std::vector<document> corpus_documents() {
  std::vector<document> docs;
  docs.push_back(
      corpus_doc("warranty", "Zephyr kettles carry a lifetime warranty on the heating element."));
  docs.push_back(corpus_doc(
      "care", "Descale Zephyr kettles monthly with citric acid to protect the heating element."));
  docs.push_back(corpus_doc(
      "returns", "Returns are accepted within thirty days of delivery for a full refund."));
  docs.push_back(corpus_doc("shipping",
                            "Standard shipping takes five to seven business days. Expedited "
                            "shipping takes two business days."));
  docs.push_back(corpus_doc("france", "Paris is the capital of France and its largest city."));
  docs.push_back(corpus_doc(
      "photosynthesis", "Photosynthesis converts light energy into chemical energy in plants."));
  docs.push_back(
      corpus_doc("zorblax", "The zorblax protocol stores agent checkpoints in a pgvector store."));
  // Two chunks (the "\n\n" splits them).
  docs.push_back(corpus_doc("claims",
                            "Warranty claims need the original receipt.\n\nRefund requests for "
                            "damaged kettles are handled by the warranty team."));
  auto sets = corpus_doc("kettle", "A kettle boils water. The kettle switches off when boiled.");
  sets.document_sets = {"appliances"};
  docs.push_back(sets);
  auto locked = corpus_doc("escalation", "Internal warranty escalation playbook for kettles.");
  locked.acl = adapters::doc_acl{false, {}, {"support"}};
  docs.push_back(locked);
  docs.push_back(corpus_doc("other-org", "Zephyr kettles warranty refund shipping.", "org-b"));
  return docs;
}

struct corpus_query {
  std::string text;
  access_context access;
  std::size_t limit = 5;
  std::optional<std::vector<std::string>> document_sets;
  std::vector<std::string> expected;  ///< "<document id>#<chunk index>", best first
};

inline access_context in_org_a(std::vector<std::string> groups = {}) {
  access_context a;
  a.organization_id = "org-a";
  if (!groups.empty()) a.user_id = "u-1";
  a.groups = std::move(groups);
  return a;
}

inline std::vector<corpus_query> corpus_queries() {
  using V = std::vector<std::string>;
  return {
      // Both arms agree on the only document holding those words.
      {"zorblax protocol pgvector checkpoints", in_org_a(), 3, std::nullopt, V{"zorblax#0"}},
      // "kettle" (dense: the exact token, twice) beats the chunks holding both stems once
      // (sparse: claims#1 and warranty#0 tie on ts_rank, claims first by chunk id).
      {"kettle warranty", in_org_a(), 5, std::nullopt,
       V{"kettle#0", "claims#1", "warranty#0", "claims#0", "care#0"}},
      // Stop words dropped ("how", "is", "the"): 'zephyr' and 'warranti' rank warranty#0.
      {"How long is the Zephyr warranty?", in_org_a(), 5, std::nullopt,
       V{"warranty#0", "care#0", "claims#0", "claims#1", "france#0"}},
      // The other org's "refund" never shows.
      {"refund", in_org_a(), 5, std::nullopt, V{"claims#1", "returns#0"}},
      // 'ship' and 'busi' twice each in shipping#0 (ts_rank's Σ 0.1/j²); the rest by
      // their shared embedding tokens ("days", ...).
      {"shipping business days", in_org_a(), 5, std::nullopt,
       V{"shipping#0", "returns#0", "france#0", "warranty#0", "claims#1"}},
      // An exact tie on both arms: chunk id decides.
      {"heating element", in_org_a(), 4, std::nullopt, V{"care#0", "warranty#0"}},
      {"what is the capital of France?", in_org_a(), 3, std::nullopt,
       V{"france#0", "warranty#0", "care#0"}},
      // The group ACL: visible to a member of "support" only.
      {"warranty escalation", in_org_a({"support"}), 3, std::nullopt,
       V{"escalation#0", "claims#0", "claims#1"}},
      {"warranty escalation", in_org_a(), 3, std::nullopt, V{"claims#0", "claims#1", "warranty#0"}},
      // A document set scopes the search.
      {"kettle", in_org_a(), 5, std::vector<std::string>{"appliances"}, V{"kettle#0"}},
      // Only stop words: no sparse arm at all, the dense arm alone ("the", "of", "and").
      {"the of and", in_org_a(), 5, std::nullopt,
       V{"france#0", "warranty#0", "kettle#0", "claims#0", "claims#1"}},
  };
}

/// The chunk key of a result: its document id and its chunk's index, found by text.
inline std::string key_of(const knowledge_result& r) {
  for (const auto& d : corpus_documents()) {
    if (d.id != r.document_id) continue;
    const auto cut = d.content.find("\n\n");
    if (cut == std::string::npos) return d.id + "#0";
    return d.id + (r.chunk == d.content.substr(0, cut) ? "#0" : "#1");
  }
  return r.document_id + "#?";
}

/// Ingests the corpus into an EMPTY store and checks every query's order.
inline void run_ranking_corpus(knowledge_base& kb) {
  for (const auto& d : corpus_documents()) kb.ingest(d);
  for (const auto& q : corpus_queries()) {
    const auto results = kb.query(q.text, q.limit, q.access, q.document_sets);
    std::vector<std::string> got;
    std::string scores;
    for (const auto& r : results) {
      got.push_back(key_of(r));
      scores += std::to_string(r.score) + " ";
    }
    INFO("query: " << q.text << " (groups " << q.access.groups.size() << ")  scores: " << scores);
    CHECK(got == q.expected);
  }
}

}  // namespace so::test::ranking
