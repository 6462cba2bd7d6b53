// adapters/knowledge/memory_knowledge.hpp — the in-memory knowledge base, with org
// scoping, document ACLs and document sets applied in the store itself (admin-auth.md
// §3, decisions.md). Two rankings:
//
//  - hybrid (what the server uses unless SMOOTH_AGENT_KNOWLEDGE_RANKING=lexical): the
//    same dense + sparse reciprocal-rank fusion as postgres_knowledge, so both stores
//    rank the same documents the same way on the same corpus
//    (tests/adapters/knowledge_ranking_corpus.hpp runs against both). With K =
//    min(limit, 100) and C = max(4K, 20):
//      * sparse arm: the query's distinct english_lexemes (PostgreSQL's `english`
//        configuration, approximated: english_lexemes.hpp); a chunk matches when it
//        holds ANY of them (postgres_knowledge ORs the lexemes too); its rank is
//        PostgreSQL's ts_rank with default weights and normalization 0, computed with
//        the same float operations (every position weighs D = 0.1: per lexeme with n
//        occurrences Σ_{j=1..n} 0.1/j² ÷ 1.64493406685, summed over the query's
//        lexemes in byte order, ÷ their count); top C by rank descending, ties by
//        chunk id;
//      * dense arm: cosine similarity of the query's embedding (input_type::query)
//        with each chunk's embedding; only similarity > 0 counts; top C by similarity
//        descending, ties by chunk id. Every visible chunk is a candidate (as with
//        pgvector; PostgreSQL without pgvector scores only the sparse candidates and
//        the 64 most recent chunks, which is the same set on a small corpus);
//      * fusion: each arm adds 1 / (60 + rank + 1) in f32, sparse first; sorted by
//        the sum descending, ties by chunk id (organization, document id, chunk index;
//        bytewise); truncated to K. `score` is the fused value.
//    Chunks are embedded at ingest with the store's embedder (chunk_embedder());
//    replace_chunks takes the pipeline's vectors, which must have its dimension.
//  - lexical: the reference engine's word scoring (engine.md §7.2), kept for wire
//    parity with the reference's in-memory server; no embedder, no vectors:
//
// Deliberate differences from the reference (decisions.md):
//  - documents are keyed by (organization, id); re-ingesting replaces the
//    document's chunks (they move to the end of the ingest order);
//  - a malformed ACL hides the document from everyone but org admins;
//  - visibility and set filters run over every scored chunk BEFORE truncation,
//    so a hidden top hit never shrinks the result (no over-fetch window).
//
// Bounded work per query (`knowledge_query_limits`; the server uses the defaults):
//  - only the first `max_query_words` words of the query count; the rest are
//    ignored (a query is matched word by word against every word of a chunk);
//  - at most `max_scored_chunks` chunks are scored: the chunks visible to the
//    caller, in ingest order; chunks past the cap are not searched. Ingest logs
//    a warning when the store first outgrows the cap.
// With chunks of at most 500 bytes the defaults bound one query to ~5 MB of
// chunk text against 64 words.
//
// Thread-safety: one internal mutex; safe to share between threads.
#pragma once

#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/knowledge/unicode_text.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace so::adapters {

/// Caps on the work of one query (see the contract above).
struct knowledge_query_limits {
  std::size_t max_query_words = 64;
  std::size_t max_scored_chunks = 10000;
};

enum class memory_ranking { lexical, hybrid };

struct memory_knowledge_options {
  memory_ranking ranking = memory_ranking::hybrid;
  /// Hybrid only: embeds chunks and queries (null = deterministic_embedder, 1024).
  /// A gateway embedder BLOCKS: ingest and query then run only where blocking is
  /// allowed (the server's knowledge/indexing workers and boot).
  embedder_ptr embedder;
  knowledge_query_limits limits;
  /// Upper bound on K (as postgres_knowledge's max_limit).
  std::size_t max_limit = 100;
};

class memory_knowledge final : public knowledge_base {
 public:
  /// The lexical ranking (engine.md §7.2), as before hybrid existed.
  explicit memory_knowledge(knowledge_query_limits limits = {})
      : memory_knowledge(memory_knowledge_options{memory_ranking::lexical, nullptr, limits}) {}
  explicit memory_knowledge(memory_knowledge_options options);

  void ingest(const document& doc) override;
  /// Hybrid: the vectors must have chunk_embedder()'s dimension (else
  /// std::runtime_error, nothing stored). Lexical: vectors are ignored.
  void replace_chunks(const document& doc, const std::vector<prepared_chunk>& chunks) override;
  bool remove_document(const std::string& organization_id, const std::string& id) override;
  std::size_t count_chunks(const std::string& organization_id) override;
  /// No chunk stored yet (an atomic read: callable from any thread, never blocks).
  bool known_empty() const override { return chunk_count_.load(std::memory_order_acquire) == 0; }
  /// Hybrid: the embedder; lexical: null (any embedder will do).
  embedder_ptr chunk_embedder() const override { return embedder_; }
  memory_ranking ranking() const { return ranking_; }
  std::vector<knowledge_result> query(
      const std::string& text, std::size_t limit, const access_context& access,
      const std::optional<std::vector<std::string>>& document_sets = std::nullopt) override;

 private:
  /// What visibility needs to know about a document (its chunks share it).
  struct doc_info {
    std::string id;
    std::string source;
    std::optional<std::string> title;
    std::optional<std::string> url;
    std::string organization_id;
    std::vector<std::string> document_sets;
    std::optional<doc_acl> acl;
    bool acl_malformed = false;
  };
  struct stored_chunk {
    std::shared_ptr<const doc_info> doc;
    std::string text;
    std::vector<std::string> lower_words;  ///< lexical: lower-cased once at ingest
    std::size_t index = 0;                 ///< chunk index within its document
    /// Hybrid: the chunk's embedding. Mostly-zero vectors (the deterministic
    /// embedder's) keep only their non-zero entries, in index order, and the squared
    /// norm: cosine over them gives the very same f32 value as cosine_similarity
    /// (adding a zero product changes no sum) at a fraction of the work.
    embedding vector;                            ///< dense form (empty when sparse)
    std::vector<std::uint32_t> nz_index;         ///< sparse form: non-zero indices
    std::vector<float> nz_value;                 ///< sparse form: their values
    float norm_sq = 0.0f;                        ///< sparse form: Σ v[i]² in index order
    std::map<std::string, std::size_t> lexemes;  ///< hybrid: lexeme → occurrences
  };

  /// Replaces the chunks of (doc.organization_id, doc.id) with `texts` (and, hybrid,
  /// their `vectors`, one per text).
  void store(const document& doc, std::vector<std::string> texts, std::vector<embedding> vectors);
  std::vector<knowledge_result> query_lexical(
      const std::string& text, std::size_t limit, const access_context& access,
      const std::optional<std::vector<std::string>>& document_sets);
  std::vector<knowledge_result> query_hybrid(
      const std::string& text, std::size_t limit, const access_context& access,
      const std::optional<std::vector<std::string>>& document_sets);
  static knowledge_result result_of(const stored_chunk& c, float score);
  static bool visible(const doc_info& doc, const access_context& access,
                      const std::optional<std::vector<std::string>>& document_sets);

  const memory_ranking ranking_;
  const knowledge_query_limits limits_;
  const std::size_t max_limit_;
  embedder_ptr embedder_;  ///< hybrid only
  unicode_lowercaser lowercaser_;
  std::mutex mutex_;
  std::atomic<std::size_t> chunk_count_{0};  ///< chunks_.size(), readable without the lock
  bool warned_over_cap_ = false;
  std::vector<stored_chunk> chunks_;  ///< ingest order (the tie-break order)
};

}  // namespace so::adapters
