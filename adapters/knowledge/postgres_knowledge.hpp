// adapters/knowledge/postgres_knowledge.hpp — the knowledge seam on PostgreSQL (issue 9
// item 6; storage-backplane.md §4.4, decisions.md "Knowledge and storage").
//
// Storage (schema migration 4, table `knowledge_chunks`): one row per chunk, cut by
// chunk_content() exactly as the in-memory store cuts it, keyed by the deterministic
// chunk id (organization, document id, chunk index). Ingest stamps each row with the
// document's own organization_id, its source, title, url, document sets, ACL
// (has_acl / acl_public / acl_users / acl_groups / acl_malformed), the chunk text, a
// generated `content_tsv` (to_tsvector('english', content), GIN index) and the
// chunk's embedding as `real[]`. Re-ingesting a document replaces ALL its chunks in
// one transaction, serialized per document by a transaction advisory lock, so two
// processes seeding the same documents at once both succeed and leave one copy.
//
// Query (K = min(limit, max_limit); C = max(4K, 20) candidates per arm):
//  - visibility, in SQL with bound parameters, mirrors memory_knowledge: the
//    requester's org (none = every org), the document-set union (an empty list
//    matches nothing), then the ACL — admins see every document of the org; a
//    malformed ACL is visible to admins only; no ACL = org-public; otherwise public,
//    or the user id listed, or any group listed;
//  - sparse arm: chunks whose content_tsv matches ANY lexeme of
//    plainto_tsquery('english', text), by ts_rank descending, LIMIT C.
//    Deliberate difference: the reference ANDs the lexemes. With the deterministic
//    embedder (no stemming, no semantics) an ANDed natural-language question almost
//    never matches ("what is the return policy?" needs 'polici'), so the dense arm
//    cannot rescue it; ORed lexemes still rank chunks holding more of them first;
//  - dense arm: cosine similarity of the query embedding (input_type::query) to the
//    chunk embeddings. Fallback (`real[]`, what runs without pgvector): computed in
//    C++ over a BOUNDED candidate set = the sparse arm's candidates plus the
//    `recent_candidates` most recently ingested visible chunks; pgvector: `<=>` over
//    the HNSW index. Either way only similarity > 0 counts (a chunk sharing no token
//    with the query is no evidence), ties by chunk id, LIMIT C;
//  - fusion exactly §4.4: each arm adds 1 / (60 + rank + 1) (rank from 0) in f32,
//    sparse first; sort by the sum descending; ties by chunk id (organization,
//    document id, chunk index) ascending; truncate to K. `score` is the fused value.
//  - a query of only whitespace, or limit 0, answers nothing without a round trip.
// Bounded work per query: at most C + recent_candidates rows (with their
// embeddings) reach C++. The sparse arm's ranking is the database's work over the
// chunks its GIN index matches.
//
// pgvector (PARTIAL, UNTESTED here: Debian 12 ships no pgvector): unless
// `force_real_array`, construction runs `CREATE EXTENSION IF NOT EXISTS vector` on
// its own; when it succeeds (or the extension exists), an `embedding_vector
// vector(dim)` column and an HNSW cosine index are added, ingest writes both columns
// and the dense arm uses `<=>`. An existing column of another width stops
// construction (a different embedder on the same database). Rows written by a
// process in fallback mode have no vector and are found by the sparse arm only.
//
// Connections: a pool of its own (`max_connections`, default 2: the server's one
// knowledge worker plus boot-time ingest), so a knowledge query never waits for a
// storage worker's connection and vice versa. Construction connects, migrates the
// schema (every migration, idempotent under the schema lock) and probes pgvector;
// it throws storage_error when the database is unusable, or holds embeddings of
// another width than the embedder's (another embedder indexed it).
//
// known_empty() is always false: another process (or an indexer) sharing the
// database may ingest at any time, so "empty" cannot be known without asking the
// database. Every turn therefore asks the knowledge worker (one round trip).
//
// Thread-safety: ingest and query block on the network; call them off io threads
// (the server: at boot before serving, and on the storage pool's knowledge worker).
// Any number of threads may call at once (each call checks a connection out).
#pragma once

#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/storage/postgres_pool.hpp"

#include <cstddef>
#include <string>

namespace so::adapters {

class postgres_knowledge final : public knowledge_base {
 public:
  struct options {
    std::size_t max_connections = 2;
    pg::pool::options pool;  ///< backoff and timeouts (max_connections overrides)
    embedder_ptr embedder;   ///< null = deterministic_embedder (1024)
    /// Never try pgvector: store and search `real[]` only (tests; databases where
    /// CREATE EXTENSION must not be attempted).
    bool force_real_array = false;
    /// N: the most recently ingested visible chunks added to the dense arm's
    /// candidates (fallback mode). 0 = the sparse candidates only. Each costs its
    /// embedding's transfer and parse: measured ≈ 0.1 ms per candidate at 1024
    /// dimensions (6 ms per query with N = 0, 13 ms with 64, 32 ms with 256, on a
    /// loaded 2-core machine, 8,200 chunks, a selective query).
    std::size_t recent_candidates = 64;
    /// Upper bound on K (the knowledge_search tool asks for at most 10).
    std::size_t max_limit = 100;
  };

  /// Connects, migrates and probes pgvector. Throws storage_error.
  postgres_knowledge(std::string conninfo, options opts);

  void ingest(const document& doc) override;
  /// One transaction under the document's advisory lock, like ingest.
  void replace_chunks(const document& doc, const std::vector<prepared_chunk>& chunks) override;
  bool remove_document(const std::string& organization_id, const std::string& id) override;
  std::size_t count_chunks(const std::string& organization_id) override;
  embedder_ptr chunk_embedder() const override { return embedder_; }
  std::vector<knowledge_result> query(
      const std::string& text, std::size_t limit, const access_context& access,
      const std::optional<std::vector<std::string>>& document_sets = std::nullopt) override;

  /// True when the dense arm runs on pgvector (false: the real[] fallback).
  bool uses_pgvector() const { return pgvector_; }
  const embedder& embedding_model() const { return *embedder_; }

 private:
  bool probe_pgvector(pg::connection& c);
  /// Replaces the document's rows with `chunks` (vectors already checked).
  void store(const document& doc, const std::vector<std::string>& chunks,
             const std::vector<embedding>& vectors);

  options opts_;
  embedder_ptr embedder_;
  pg::pool pool_;
  bool pgvector_ = false;
};

}  // namespace so::adapters
