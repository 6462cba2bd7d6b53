// adapters/knowledge/knowledge_base.hpp — the knowledge seam (engine.md §7, storage-backplane.md
// §2.6).
//
// Thread-safety: implementations may block; the server calls them only from
// the storage pool's knowledge worker. The in-memory implementation also locks so tests
// may call it directly.
#pragma once

#include "adapters/knowledge/embedder.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace so::adapters {

/// Who is asking (admin-auth.md §3.2). Anonymous = no user id and no groups.
struct access_context {
  std::optional<std::string> user_id;
  std::vector<std::string> groups;
  std::optional<std::string> organization_id;
  bool is_admin = false;
};

/// Document-level ACL (`acl_v2`): public, or listed user, or listed group.
struct doc_acl {
  bool is_public = false;
  std::vector<std::string> users;
  std::vector<std::string> groups;
};

struct document {
  std::string id;  ///< defaults to the source when ingested from files/scenarios
  std::string content;
  std::string source;
  std::optional<std::string> title;
  std::optional<std::string> url;
  std::string organization_id = "reference-org";
  std::vector<std::string> document_sets;
  /// nullopt = no ACL (org-public). A malformed ACL must be represented by
  /// `acl_malformed` so the document fails closed (decisions.md).
  std::optional<doc_acl> acl;
  bool acl_malformed = false;
  std::map<std::string, std::string> metadata;
};

struct knowledge_result {
  std::string document_id;
  std::string chunk;
  float score = 0;
  std::string source;
  /// The indexed document's title and http(s) URL, when it has them (citations show
  /// them: citations.hpp). Not part of the reference's KnowledgeResult (§2.6).
  std::optional<std::string> title;
  std::optional<std::string> url;
};

/// One chunk the indexing pipeline cut (and embedded) itself (storage-backplane.md §11).
struct prepared_chunk {
  std::string text;
  embedding vector;  ///< chunk_embedder()'s vector; a store without one ignores it
};

class knowledge_base {
 public:
  virtual ~knowledge_base() = default;
  /// Chunks and stores the document. Re-ingesting the same id replaces its chunks.
  virtual void ingest(const document& doc) = 0;
  /// Stores `chunks`, already cut, as the whole content of document
  /// (doc.organization_id, doc.id): chunk i gets the deterministic id
  /// `<org>:<docId>#<i>`, and every chunk the document had before is replaced, so
  /// chunks past the new count (stale ones) are gone. `doc.content` is ignored;
  /// the rest (source, title, url, sets, ACL) applies to every chunk. No chunks =
  /// the document is removed. Atomic for readers: a query sees the old chunks or
  /// the new ones, never a mix. Throws (std::runtime_error) when a vector does not
  /// have chunk_embedder()'s dimension, storing nothing.
  virtual void replace_chunks(const document& doc, const std::vector<prepared_chunk>& chunks) = 0;
  /// Removes every chunk of (org, id); whether there was any.
  virtual bool remove_document(const std::string& organization_id, const std::string& id) = 0;
  /// How many chunks the org's documents have (admin views, tests).
  virtual std::size_t count_chunks(const std::string& organization_id) = 0;
  /// The embedder whose vectors replace_chunks expects (the one the store embeds
  /// queries with); null = the store keeps no vectors (any embedder will do).
  virtual embedder_ptr chunk_embedder() const { return nullptr; }
  /// At most `limit` results, best first, visible to `access` (org scope + ACL),
  /// optionally restricted to the union of `document_sets` (nullopt = unscoped).
  virtual std::vector<knowledge_result> query(
      const std::string& text, std::size_t limit, const access_context& access,
      const std::optional<std::vector<std::string>>& document_sets = std::nullopt) = 0;
  /// True only when the store certainly holds no chunk, so a query would answer
  /// nothing: callers may then skip the knowledge worker's hop. Thread-safe and
  /// non-blocking (unlike ingest/query); an implementation that cannot tell cheaply
  /// keeps the default.
  virtual bool known_empty() const { return false; }
};

using knowledge_base_ptr = std::shared_ptr<knowledge_base>;

}  // namespace so::adapters
