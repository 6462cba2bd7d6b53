// tests/adapters/knowledge_contract.hpp — what every knowledge store must do, whatever its
// ranking (storage-backplane.md §2.6, admin-auth.md §3, decisions.md "Knowledge and
// storage"): org scope, document ACLs (malformed = admins only), document sets,
// re-ingest replaces, chunking, limit, empty query, and visibility applied before
// truncation.
//
// Rankings differ between stores (lexical substring scores in memory, RRF on
// PostgreSQL), so these checks compare SETS of document ids unless every store
// agrees on the order; the ranking of each store has its own test file.
//
// Usage: inside a TEST_CASE, `run_knowledge_contract(factory)`. Each SECTION runs
// against a fresh store from the factory, which must return an EMPTY store.
// Thread-safety: test-thread only.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/knowledge/knowledge_file.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace so::adapters::contract {

using knowledge_factory = std::function<std::shared_ptr<knowledge_base>()>;

inline document knowledge_doc(std::string id, std::string content, std::string org = "org-1") {
  document d;
  d.id = id;
  d.source = "src/" + id;
  d.content = std::move(content);
  d.organization_id = std::move(org);
  return d;
}

inline access_context anonymous_in(std::optional<std::string> org = std::nullopt) {
  access_context a;
  a.organization_id = std::move(org);
  return a;
}

inline access_context user_in(std::string id, std::vector<std::string> groups = {},
                              std::optional<std::string> org = std::nullopt) {
  access_context a;
  a.user_id = std::move(id);
  a.groups = std::move(groups);
  a.organization_id = std::move(org);
  return a;
}

/// The document ids of `rs`, sorted (order-free comparison).
inline std::vector<std::string> id_set(const std::vector<knowledge_result>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.document_id);
  std::sort(out.begin(), out.end());
  return out;
}

inline void run_knowledge_contract(const knowledge_factory& make) {
  using V = std::vector<std::string>;
  using sets = std::optional<std::vector<std::string>>;

  SECTION("a result carries the document id, its source and the chunk text") {
    auto kb = make();
    kb->ingest(
        knowledge_doc("returns.md", "SmooAI returns are accepted within 30 days of delivery."));
    auto r = kb->query("returns accepted", 5, anonymous_in("org-1"));
    REQUIRE(r.size() == 1);
    CHECK(r[0].document_id == "returns.md");
    CHECK(r[0].source == "src/returns.md");
    CHECK(r[0].chunk == "SmooAI returns are accepted within 30 days of delivery.");
    CHECK(r[0].score > 0.0f);
  }

  SECTION("a document is stored as its chunks, each its own result") {
    auto kb = make();
    kb->ingest(knowledge_doc("multi", "apple one\n\napple two three\n\npear"));
    auto r = kb->query("apple", 10, anonymous_in());
    REQUIRE(r.size() == 2);
    V chunks{r[0].chunk, r[1].chunk};
    std::sort(chunks.begin(), chunks.end());
    CHECK(chunks == V{"apple one", "apple two three"});
  }

  SECTION("an empty or blank query, or limit 0, answers nothing") {
    auto kb = make();
    kb->ingest(knowledge_doc("d", "alpha beta"));
    CHECK(kb->query("", 5, anonymous_in()).empty());
    CHECK(kb->query(" \t\n\u3000", 5, anonymous_in()).empty());
    CHECK(kb->query("alpha", 0, anonymous_in()).empty());
    CHECK(kb->query("zzzunmatched", 5, anonymous_in()).empty());
  }

  SECTION("at most `limit` results") {
    auto kb = make();
    for (const char* id : {"a", "b", "c", "d", "e"})
      kb->ingest(knowledge_doc(id, std::string("alpha ") + id + "x"));
    CHECK(kb->query("alpha", 3, anonymous_in()).size() == 3);
    CHECK(kb->query("alpha", 1, anonymous_in()).size() == 1);
    CHECK(kb->query("alpha", 10, anonymous_in()).size() == 5);
  }

  SECTION("re-ingesting a document id replaces all its chunks; ids are per org") {
    auto kb = make();
    kb->ingest(knowledge_doc("d1", "old words here\n\nmore old words"));
    kb->ingest(knowledge_doc("d2", "other old"));
    kb->ingest(knowledge_doc("d1", "new text"));
    CHECK(id_set(kb->query("old", 10, anonymous_in())) == V{"d2"});
    auto r = kb->query("new", 10, anonymous_in());
    REQUIRE(r.size() == 1);
    CHECK(r[0].chunk == "new text");
    kb->ingest(knowledge_doc("d1", "new text elsewhere", "org-2"));
    CHECK(kb->query("new", 10, anonymous_in()).size() == 2);
    CHECK(kb->query("new", 10, anonymous_in("org-1")).size() == 1);
    // A document re-ingested with no content keeps no chunk at all.
    kb->ingest(knowledge_doc("d1", "\n\n"));
    CHECK(kb->query("new", 10, anonymous_in("org-1")).empty());
  }

  SECTION("org scope: a requester sees only its org; no org = every org") {
    auto kb = make();
    kb->ingest(knowledge_doc("a", "shared topic", "org-a"));
    kb->ingest(knowledge_doc("b", "shared topic", "org-b"));
    CHECK(id_set(kb->query("topic", 10, anonymous_in("org-a"))) == V{"a"});
    CHECK(id_set(kb->query("topic", 10, user_in("u", {}, "org-b"))) == V{"b"});
    CHECK(id_set(kb->query("topic", 10, anonymous_in())) == V{"a", "b"});
    CHECK(kb->query("topic", 10, anonymous_in("org-c")).empty());
    access_context admin_a = user_in("boss", {}, "org-a");
    admin_a.is_admin = true;
    CHECK(id_set(kb->query("topic", 10, admin_a)) == V{"a"});  // admins stay in their org
  }

  SECTION("document ACLs") {
    auto kb = make();
    auto open = knowledge_doc("no-acl", "alpha open");
    auto pub = knowledge_doc("public", "alpha public");
    pub.acl = doc_acl{true, {}, {}};
    auto by_user = knowledge_doc("user-only", "alpha alice");
    by_user.acl = doc_acl{false, {"alice"}, {}};
    auto by_group = knowledge_doc("group-only", "alpha secret");
    by_group.acl = doc_acl{false, {}, {"github:acme/secret"}};
    auto locked = knowledge_doc("locked", "alpha locked");
    locked.acl = doc_acl{};
    auto broken = knowledge_doc("malformed", "alpha broken");
    broken.acl_malformed = true;
    auto both = knowledge_doc("both", "alpha both");
    both.acl = doc_acl{false, {"carol"}, {"eng"}};
    for (const auto& d : {open, pub, by_user, by_group, locked, broken, both}) kb->ingest(d);

    // Anonymous: only no-ACL and public documents.
    CHECK(id_set(kb->query("alpha", 10, anonymous_in("org-1"))) == V{"no-acl", "public"});
    // A listed user; an unlisted one.
    CHECK(id_set(kb->query("alpha", 10, user_in("alice"))) == V{"no-acl", "public", "user-only"});
    CHECK(id_set(kb->query("alpha", 10, user_in("random-user", {"sales"}))) ==
          V{"no-acl", "public"});
    // Any listed group grants access, with or without a user id.
    CHECK(id_set(kb->query("alpha", 10, user_in("bob", {"sales", "github:acme/secret"}))) ==
          V{"group-only", "no-acl", "public"});
    CHECK(id_set(kb->query("alpha", 10, user_in("", {"github:acme/secret"}))) ==
          V{"group-only", "no-acl", "public"});
    // Users and groups on one ACL: either grants.
    CHECK(id_set(kb->query("alpha", 10, user_in("carol"))) == V{"both", "no-acl", "public"});
    CHECK(id_set(kb->query("alpha", 10, user_in("dan", {"eng"}))) == V{"both", "no-acl", "public"});
    // Matches are exact and case-sensitive.
    CHECK(id_set(kb->query("alpha", 10, user_in("Alice", {"GITHUB:acme/secret"}))) ==
          V{"no-acl", "public"});
    // An empty ACL is locked; a malformed one fails closed — except for org admins.
    access_context admin = user_in("root", {}, "org-1");
    admin.is_admin = true;
    CHECK(id_set(kb->query("alpha", 10, admin)) ==
          V{"both", "group-only", "locked", "malformed", "no-acl", "public", "user-only"});
  }

  SECTION("visibility applies before truncation: a hidden best match never shrinks a result") {
    auto kb = make();
    auto hidden = knowledge_doc("hidden-top", "beta");
    hidden.acl = doc_acl{false, {"alice"}, {}};
    kb->ingest(hidden);
    kb->ingest(knowledge_doc("visible", "beta gamma"));
    CHECK(id_set(kb->query("beta", 1, anonymous_in())) == V{"visible"});
    CHECK(id_set(kb->query("beta", 1, user_in("alice"))) == V{"hidden-top"});
  }

  SECTION("document sets: none = unscoped, empty = nothing, else the union; never widen ACLs") {
    auto kb = make();
    auto p = knowledge_doc("p", "alpha policy");
    p.document_sets = {"policies"};
    auto f = knowledge_doc("f", "alpha faq");
    f.document_sets = {"faq", "public-docs"};
    auto none = knowledge_doc("none", "alpha loose");
    auto secret = knowledge_doc("s", "alpha secret");
    secret.document_sets = {"policies"};
    secret.acl = doc_acl{};
    for (const auto& d : {p, f, none, secret}) kb->ingest(d);
    CHECK(id_set(kb->query("alpha", 10, anonymous_in(), std::nullopt)) == V{"f", "none", "p"});
    CHECK(kb->query("alpha", 10, anonymous_in(), sets(std::vector<std::string>{})).empty());
    CHECK(id_set(kb->query("alpha", 10, anonymous_in(), sets({"policies"}))) == V{"p"});
    CHECK(id_set(kb->query("alpha", 10, anonymous_in(), sets({"public-docs", "policies"}))) ==
          V{"f", "p"});
    CHECK(kb->query("alpha", 10, anonymous_in(), sets({"unknown"})).empty());
  }

  SECTION("replace_chunks stores pre-cut chunks; replacing drops stale ones; per org") {
    auto kb = make();
    // The store's own embedder when it keeps vectors; else vectors are ignored.
    const auto embedder = kb->chunk_embedder();
    const auto prepared = [&](std::vector<std::string> texts) {
      std::vector<prepared_chunk> out;
      std::vector<embedding> vectors;
      if (embedder) vectors = embedder->embed(texts, input_type::document);
      for (std::size_t i = 0; i < texts.size(); ++i)
        out.push_back(prepared_chunk{texts[i], embedder ? vectors[i] : embedding{}});
      return out;
    };
    auto doc = knowledge_doc("guide.md", "ignored content");
    // One chunk holding a paragraph break stays ONE chunk (the store does not re-cut it).
    kb->replace_chunks(doc, prepared({"kiwi first\n\nkiwi second", "kiwi third", "kiwi fourth"}));
    CHECK(kb->count_chunks("org-1") == 3);
    auto r = kb->query("kiwi", 10, anonymous_in("org-1"));
    REQUIRE(r.size() == 3);
    V chunks;
    for (const auto& x : r) {
      CHECK(x.document_id == "guide.md");
      CHECK(x.source == "src/guide.md");
      chunks.push_back(x.chunk);
    }
    std::sort(chunks.begin(), chunks.end());
    CHECK(chunks == V{"kiwi first\n\nkiwi second", "kiwi fourth", "kiwi third"});

    // The same chunks again: still 3 (deterministic ids, no duplicates).
    kb->replace_chunks(doc, prepared({"kiwi first\n\nkiwi second", "kiwi third", "kiwi fourth"}));
    CHECK(kb->count_chunks("org-1") == 3);
    // Fewer chunks: the stale ones are gone.
    kb->replace_chunks(doc, prepared({"mango only"}));
    CHECK(kb->count_chunks("org-1") == 1);
    CHECK(kb->query("kiwi", 10, anonymous_in("org-1")).empty());
    CHECK(id_set(kb->query("mango", 10, anonymous_in("org-1"))) == V{"guide.md"});

    // Same document id in another org: independent.
    kb->replace_chunks(knowledge_doc("guide.md", "", "org-2"), prepared({"mango elsewhere"}));
    CHECK(kb->count_chunks("org-2") == 1);
    CHECK(kb->count_chunks("org-1") == 1);
    CHECK(id_set(kb->query("mango", 10, anonymous_in("org-2"))) == V{"guide.md"});

    // No chunks = removed; remove_document reports whether anything was there.
    kb->replace_chunks(doc, {});
    CHECK(kb->count_chunks("org-1") == 0);
    CHECK_FALSE(kb->remove_document("org-1", "guide.md"));
    CHECK(kb->remove_document("org-2", "guide.md"));
    CHECK(kb->count_chunks("org-2") == 0);
    CHECK(kb->query("mango", 10, anonymous_in()).empty());

    // ACL and sets of the document apply to every replaced chunk.
    auto locked = knowledge_doc("locked.md", "");
    locked.acl = doc_acl{false, {}, {"eng"}};
    locked.document_sets = {"handbook"};
    kb->replace_chunks(locked, prepared({"papaya one", "papaya two"}));
    CHECK(kb->query("papaya", 10, anonymous_in("org-1")).empty());
    CHECK(kb->query("papaya", 10, user_in("u", {"eng"}, "org-1"), sets({"handbook"})).size() == 2);

    // A vector of the wrong width stores nothing (stores that keep vectors).
    if (embedder) {
      std::vector<prepared_chunk> bad = prepared({"plum one"});
      bad[0].vector.push_back(0.5f);
      CHECK_THROWS(kb->replace_chunks(knowledge_doc("bad.md", ""), bad));
      CHECK(kb->query("plum", 10, anonymous_in()).empty());
    }
  }

  SECTION("the seed documents answer the demo question, returns first") {
    auto kb = make();
    for (const auto& d : seed_documents()) kb->ingest(d);
    auto r = kb->query("What is SmooAI's return window?", 3, anonymous_in(kDefaultKnowledgeOrg));
    REQUIRE_FALSE(r.empty());
    CHECK(r[0].document_id == "policies/returns.md");
    CHECK(kb->query("What is SmooAI's return window?", 3, anonymous_in("another-org")).empty());
  }
}

}  // namespace so::adapters::contract
