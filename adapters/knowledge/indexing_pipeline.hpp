// adapters/knowledge/indexing_pipeline.hpp — raw documents → chunks → embeddings →
// the knowledge base (storage-backplane.md §11 "Pipeline", with decisions.md
// "Knowledge and storage": deterministic chunk ids, replace on re-index, the
// indexing caller's org).
//
// Per document, in pull order:
//  1. chunk it (ingestion_chunker). No chunk (a blank document) → skipped, and any
//     chunks it had from an earlier pass are removed (the source says it is empty);
//  2. ledger keys `<org>::<docId>::<fnv16hex(chunk)>` (FNV-1a 64 of the chunk's UTF-8
//     bytes, 16 lower-case hex digits). The ledger lives for one `ingest` call (one
//     pass): a document whose keys were all seen earlier in the pass is skipped;
//  3. embed every chunk of the document as ONE batch (input_type::document) and
//     check the count and that every vector has the embedder's dimension (else the
//     pass fails: std::runtime_error);
//  4. store them with knowledge_base::replace_chunks under (org, document id): chunk
//     i is `<org>:<docId>#<i>`, so re-indexing replaces and stale chunks go.
// The stored document: organization_id = the org of the pass (the caller's);
// source = the raw document's `url` metadata, else its `path` metadata, else its
// source (citations show it); title = the raw title; url = the `url` metadata when
// it is http(s); document sets = the `document_set` metadata, else the run-level
// set (comma list, trimmed, empties dropped); ACL = the labels as groups
// (`{"public":false,"users":[],"groups":[labels]}`), none without labels.
// Metadata: the raw metadata plus `org_id`, `document_id`, `title`/`source` when
// absent, run-level `document_set`/`boost` when absent, and with labels `acl` (comma
// list) and `acl_v2` (the JSON above). PARTIAL: `boost` is kept in the metadata
// only; no ranking applies it yet (the server's chat path applies no curation, §2.6).
//
// The embedder: the knowledge base's own (chunk_embedder()) when it keeps vectors,
// so stored vectors match its queries; otherwise the one given (the server: the
// deterministic embedder), so dimension checks and `embedding_dim` still hold.
//
// Thread-safety: one pipeline per pass on one thread. `ingest` blocks (embedding,
// the store): call it on the storage pool's indexing worker.
#pragma once

#include "adapters/knowledge/connectors/connector.hpp"
#include "adapters/knowledge/embedder.hpp"
#include "adapters/knowledge/ingestion_chunker.hpp"
#include "adapters/knowledge/knowledge_base.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// Run-level curation of a pass (from the connector config): applied to documents
/// that do not carry their own.
struct indexing_options {
  std::optional<std::string> document_set;  ///< comma list
  std::optional<std::string> boost;
};

/// The run-level options of a connector config (compact JSON): `document_set` (a
/// string) and `boost` (a number or a string); anything else, or a non-object, is
/// ignored.
indexing_options indexing_options_of(std::string_view config_json);

struct indexing_report {
  std::uint64_t documents_pulled = 0;
  std::uint64_t documents_skipped = 0;
  std::uint64_t chunks_stored = 0;
  std::size_t embedding_dim = 0;
};

/// `<org>::<docId>::<fnv16hex(chunk)>`.
std::string ledger_key(const std::string& org, const std::string& document_id,
                       const std::string& chunk);
/// A comma list trimmed, empties dropped.
std::vector<std::string> split_document_sets(const std::string& comma_list);

class indexing_pipeline {
 public:
  /// Called after each document is stored (the server records its document sets).
  using stored_fn = std::function<void(const document&)>;

  /// `fallback`: the embedder when the store keeps no vectors (null = deterministic).
  indexing_pipeline(knowledge_base& kb, embedder_ptr fallback = nullptr,
                    ingestion_chunker chunker = ingestion_chunker{});

  /// One pass over `docs` for `org`. Throws on an embedding or store failure (the
  /// documents before it stay stored).
  indexing_report ingest(const std::string& org, const std::vector<connectors::raw_document>& docs,
                         const indexing_options& options, const stored_fn& on_stored = {});

  /// The document stored for `raw` (its chunks aside): exposed for tests.
  static document stored_document(const std::string& org, const connectors::raw_document& raw,
                                  const indexing_options& options);

 private:
  knowledge_base& kb_;
  embedder_ptr embedder_;
  ingestion_chunker chunker_;
};

}  // namespace so::adapters
