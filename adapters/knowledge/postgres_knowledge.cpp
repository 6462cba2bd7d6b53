// adapters/knowledge/postgres_knowledge.cpp — see postgres_knowledge.hpp.
#include "adapters/knowledge/postgres_knowledge.hpp"

#include "adapters/knowledge/chunking.hpp"
#include "adapters/knowledge/cosine_similarity.hpp"
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/postgres_arrays.hpp"
#include "adapters/knowledge/postgres_knowledge_sql.hpp"
#include "adapters/knowledge/unicode_text.hpp"
#include "adapters/storage/postgres_schema.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

namespace so::adapters {

namespace {

namespace sql = pg::knowledge_sql;

// pg_advisory_lock key of the pgvector probe (DDL that two processes may race on).
constexpr const char* kVectorProbeLock = "7213408155123020004";

// ---- helpers ------------------------------------------------------------------------------

using chunk_key = std::tuple<std::string, std::string, std::int64_t>;  // org, document, index

struct candidate {
  chunk_key key;
  std::string source;
  std::string content;
  std::optional<std::string> title;
  std::optional<std::string> url;
};

std::optional<std::string> nullable_text(const pg::result& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return r.text(row, col);
}

const char* boolean(bool b) {
  return b ? "true" : "false";
}

std::string vector_literal(const embedding& v) {
  std::string s = pg::real_array_literal(v);
  s.front() = '[';  // pgvector's text form: [v0,v1,...]
  s.back() = ']';
  return s;
}

/// RRF contribution of a rank counted from 0 (§4.4), in f32 as the score is.
float rrf(std::size_t rank) {
  return 1.0f / (60.0f + static_cast<float>(rank) + 1.0f);
}

}  // namespace

postgres_knowledge::postgres_knowledge(std::string conninfo, options opts)
    : opts_(std::move(opts)),
      embedder_(opts_.embedder ? opts_.embedder : std::make_shared<deterministic_embedder>()),
      pool_(std::move(conninfo), [&] {
        auto p = opts_.pool;
        p.max_connections = std::max<std::size_t>(1, opts_.max_connections);
        return p;
      }()) {
  auto c = pool_.acquire();
  pg::migrate(*c);
  // Vectors of another width (another embedder indexed this database) would never
  // match: say so now rather than answer from the full-text arm alone.
  auto width = c->exec_simple(
      "SELECT array_length(embedding, 1) FROM knowledge_chunks ORDER BY seq DESC LIMIT 1",
      "read embedding width");
  if (width.rows() == 1 && !width.is_null(0, 0) &&
      width.int64(0, 0) != static_cast<std::int64_t>(embedder_->dim()))
    throw storage_error("knowledge_chunks holds embeddings of " + width.text(0, 0) +
                        " dimensions but the embedder produces " +
                        std::to_string(embedder_->dim()) +
                        ": this database was indexed with another embedder (delete its "
                        "knowledge_chunks rows and ingest again)");
  pgvector_ = probe_pgvector(*c);
  spdlog::info("knowledge on PostgreSQL: dense arm on {} ({} dimensions)",
               pgvector_ ? "pgvector (HNSW)" : "real[] with cosine in C++", embedder_->dim());
}

bool postgres_knowledge::probe_pgvector(pg::connection& c) {
  if (opts_.force_real_array) return false;
  // PARTIAL: this path is not exercised by the tests here (no pgvector on Debian 12).
  c.exec_simple(std::string("SELECT pg_advisory_lock(") + kVectorProbeLock + ")", "probe lock");
  struct unlock_on_exit {
    pg::connection& c;
    ~unlock_on_exit() {
      if (c.broken()) return;
      try {
        c.exec_simple(std::string("SELECT pg_advisory_unlock(") + kVectorProbeLock + ")",
                      "probe unlock");
      } catch (...) {
      }
    }
  } unlock{c};
  try {
    c.exec_simple("CREATE EXTENSION IF NOT EXISTS vector", "create extension vector");
  } catch (const storage_error& e) {
    if (c.broken()) throw;
    if (c.exec_simple("SELECT count(*) FROM pg_extension WHERE extname = 'vector'",
                      "look for pgvector")
            .int64(0, 0) == 0) {
      const std::string why = e.what();  // libpq's first line says it all
      spdlog::info("pgvector is not available ({}); knowledge embeddings are stored as real[]",
                   why.substr(0, why.find('\n')));
      return false;
    }
  }
  // The width is the embedder's (a number we produce, never user input).
  const std::string width = "vector(" + std::to_string(embedder_->dim()) + ")";
  auto existing = c.exec_simple(
      "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
      "'knowledge_chunks'::regclass AND attname = 'embedding_vector' AND NOT attisdropped",
      "read embedding_vector width");
  if (existing.rows() == 1 && existing.text(0, 0) != width)
    throw storage_error("knowledge_chunks.embedding_vector is " + existing.text(0, 0) +
                        " but the embedder produces " + width +
                        ": this database was indexed with another embedder");
  c.exec_simple("ALTER TABLE knowledge_chunks ADD COLUMN IF NOT EXISTS embedding_vector " + width,
                "add embedding_vector");
  c.exec_simple(
      "CREATE INDEX IF NOT EXISTS ix_knowledge_chunks_hnsw ON knowledge_chunks "
      "USING hnsw (embedding_vector vector_cosine_ops)",
      "create hnsw index");
  return true;
}

namespace {

void check_vectors(const std::vector<embedding>& vectors, std::size_t chunks, std::size_t dim) {
  if (vectors.size() != chunks)
    throw storage_error("knowledge ingest: the embedder returned " +
                        std::to_string(vectors.size()) + " vectors for " + std::to_string(chunks) +
                        " chunks");
  for (const auto& v : vectors)
    if (v.size() != dim)
      throw storage_error("knowledge ingest: an embedding has " + std::to_string(v.size()) +
                          " dimensions, expected " + std::to_string(dim));
}

}  // namespace

void postgres_knowledge::ingest(const document& doc) {
  // Chunk and embed before taking a connection: embedding may be slow (a gateway).
  const std::vector<std::string> chunks = chunk_content(doc.content);
  const std::vector<embedding> vectors = embedder_->embed(chunks, input_type::document);
  check_vectors(vectors, chunks.size(), embedder_->dim());
  store(doc, chunks, vectors);
}

void postgres_knowledge::replace_chunks(const document& doc,
                                        const std::vector<prepared_chunk>& chunks) {
  std::vector<std::string> texts;
  std::vector<embedding> vectors;
  texts.reserve(chunks.size());
  vectors.reserve(chunks.size());
  for (const auto& c : chunks) {
    texts.push_back(c.text);
    vectors.push_back(c.vector);
  }
  check_vectors(vectors, texts.size(), embedder_->dim());
  store(doc, texts, vectors);
}

bool postgres_knowledge::remove_document(const std::string& organization_id,
                                         const std::string& id) {
  auto conn = pool_.acquire();
  bool removed = false;
  pg::in_transaction(*conn, [&] {
    conn->exec("so_kn_lock", "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
               {organization_id, id}, "knowledge remove lock");
    auto r = conn->exec("so_kn_delete_count",
                        "WITH d AS (DELETE FROM knowledge_chunks WHERE organization_id = $1 AND "
                        "document_id = $2 RETURNING 1) SELECT count(*) FROM d",
                        {organization_id, id}, "knowledge remove");
    removed = r.int64(0, 0) > 0;
  });
  return removed;
}

std::size_t postgres_knowledge::count_chunks(const std::string& organization_id) {
  auto conn = pool_.acquire();
  auto r =
      conn->exec("so_kn_count", "SELECT count(*) FROM knowledge_chunks WHERE organization_id = $1",
                 {organization_id}, "knowledge count");
  return static_cast<std::size_t>(r.int64(0, 0));
}

void postgres_knowledge::store(const document& doc, const std::vector<std::string>& chunks,
                               const std::vector<embedding>& vectors) {
  if (doc.acl_malformed) {
    spdlog::warn(
        "knowledge document '{}' (org '{}', source '{}') has a malformed ACL; "
        "it is hidden from everyone but admins",
        doc.id, doc.organization_id, doc.source);
  }
  const bool has_acl = doc.acl.has_value();
  const std::string sets = pg::text_array_literal(doc.document_sets);
  const std::string users =
      pg::text_array_literal(has_acl ? doc.acl->users : std::vector<std::string>{});
  const std::string groups =
      pg::text_array_literal(has_acl ? doc.acl->groups : std::vector<std::string>{});

  auto conn = pool_.acquire();
  pg::in_transaction(*conn, [&] {
    // One document at a time across processes: two concurrent re-ingests of the
    // same document would otherwise both delete nothing and collide on insert.
    conn->exec("so_kn_lock", "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
               {doc.organization_id, doc.id}, "knowledge ingest lock");
    conn->exec("so_kn_delete",
               "DELETE FROM knowledge_chunks WHERE organization_id = $1 AND document_id = $2",
               {doc.organization_id, doc.id}, "knowledge ingest (replace)");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      std::vector<pg::param> p = {doc.organization_id,
                                  doc.id,
                                  std::to_string(i),
                                  doc.source,
                                  doc.title,
                                  doc.url,
                                  sets,
                                  boolean(has_acl),
                                  boolean(has_acl && doc.acl->is_public),
                                  users,
                                  groups,
                                  boolean(doc.acl_malformed),
                                  chunks[i],
                                  pg::real_array_literal(vectors[i])};
      if (pgvector_) {
        p.push_back(vector_literal(vectors[i]));
        conn->exec("so_kn_insert_vector", sql::insert_chunk(true).c_str(), p, "knowledge ingest");
      } else {
        conn->exec("so_kn_insert", sql::insert_chunk(false).c_str(), p, "knowledge ingest");
      }
    }
  });
}

std::vector<knowledge_result> postgres_knowledge::query(
    const std::string& text, std::size_t limit, const access_context& access,
    const std::optional<std::vector<std::string>>& document_sets) {
  if (limit == 0 || trim_unicode_whitespace(text).empty()) return {};
  const std::size_t k = std::min(limit, opts_.max_limit);
  const std::size_t c = std::max<std::size_t>(4 * k, 20);

  const auto embedded = embedder_->embed({text}, input_type::query);
  if (embedded.size() != 1 || embedded[0].size() != embedder_->dim())
    throw storage_error("knowledge query: the embedder returned no usable query vector");
  const embedding& qv = embedded[0];

  std::vector<pg::param> params = {
      text,
      access.organization_id,
      document_sets ? pg::param(pg::text_array_literal(*document_sets)) : std::nullopt,
      boolean(access.is_admin),
      access.user_id,
      pg::text_array_literal(access.groups),
      std::to_string(c)};
  const bool in_org = access.organization_id.has_value();
  const auto scope = in_org ? sql::scope::in_org : sql::scope::any_org;

  // Every row either arm proposes, once; the arms hold indices into it, best first.
  std::vector<candidate> rows;
  std::map<chunk_key, std::size_t> index_of;
  std::vector<std::pair<std::int64_t, std::size_t>> sparse;  // (rank, row)
  std::vector<std::pair<float, std::size_t>> dense;          // (similarity, row)
  const auto add_row = [&](const pg::result& r, int i) {
    chunk_key key{r.text(i, 0), r.text(i, 1), r.int64(i, 2)};
    auto [it, fresh] = index_of.emplace(key, rows.size());
    if (fresh)
      rows.push_back(candidate{std::move(key), r.text(i, 3), r.text(i, 4), nullable_text(r, i, 7),
                               nullable_text(r, i, 8)});
    if (!r.is_null(i, 6)) sparse.emplace_back(r.int64(i, 6), it->second);
    return it->second;
  };
  const auto chunk_order = [&](std::size_t a, std::size_t b) { return rows[a].key < rows[b].key; };

  auto conn = pool_.acquire();
  if (!pgvector_) {
    params.push_back(std::to_string(opts_.recent_candidates));
    auto r = conn->exec(in_org ? "so_kn_query_org" : "so_kn_query_any",
                        sql::fallback_query(scope).c_str(), params, "knowledge query");
    for (int i = 0; i < r.rows(); ++i) {
      const std::size_t row = add_row(r, i);
      const float similarity = cosine_similarity(qv, pg::parse_real_array(r.text(i, 5)));
      if (similarity > 0.0f) dense.emplace_back(similarity, row);
    }
    std::sort(dense.begin(), dense.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first > b.first;
      return chunk_order(a.second, b.second);
    });
    if (dense.size() > c) dense.resize(c);
  } else {
    // PARTIAL: untested here (no pgvector on Debian 12).
    auto rs = conn->exec(in_org ? "so_kn_sparse_org" : "so_kn_sparse_any",
                         sql::sparse_query(scope).c_str(), params, "knowledge query");
    for (int i = 0; i < rs.rows(); ++i) add_row(rs, i);
    params[0] = vector_literal(qv);
    auto rd = conn->exec(in_org ? "so_kn_dense_org" : "so_kn_dense_any",
                         sql::dense_query(scope).c_str(), params, "knowledge query");
    for (int i = 0; i < rd.rows(); ++i) {
      chunk_key key{rd.text(i, 0), rd.text(i, 1), rd.int64(i, 2)};
      auto [it, fresh] = index_of.emplace(key, rows.size());
      if (fresh)
        rows.push_back(candidate{std::move(key), rd.text(i, 3), rd.text(i, 4),
                                 nullable_text(rd, i, 5), nullable_text(rd, i, 6)});
      dense.emplace_back(0.0f, it->second);  // already in distance order
    }
  }
  std::sort(sparse.begin(), sparse.end());  // the SQL ranks 0..C-1, ties already broken

  // Reciprocal rank fusion (§4.4): sparse contributions first, then dense, in f32.
  std::vector<float> fused(rows.size(), 0.0f);
  std::vector<bool> hit(rows.size(), false);
  for (std::size_t rank = 0; rank < sparse.size(); ++rank) {
    fused[sparse[rank].second] += rrf(rank);
    hit[sparse[rank].second] = true;
  }
  for (std::size_t rank = 0; rank < dense.size(); ++rank) {
    fused[dense[rank].second] += rrf(rank);
    hit[dense[rank].second] = true;
  }
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (hit[i]) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (fused[a] != fused[b]) return fused[a] > fused[b];
    return chunk_order(a, b);
  });
  if (order.size() > k) order.resize(k);

  std::vector<knowledge_result> out;
  out.reserve(order.size());
  for (const std::size_t i : order) {
    out.push_back(knowledge_result{std::get<1>(rows[i].key), std::move(rows[i].content), fused[i],
                                   std::move(rows[i].source), std::move(rows[i].title),
                                   std::move(rows[i].url)});
  }
  return out;
}

}  // namespace so::adapters
