// adapters/knowledge/postgres_knowledge_sql.cpp — see postgres_knowledge_sql.hpp.
#include "adapters/knowledge/postgres_knowledge_sql.hpp"

namespace so::adapters::pg::knowledge_sql {

namespace {

/// The visibility predicate over alias `k` (mirrors memory_knowledge::visible).
std::string visible(scope s) {
  return std::string(s == scope::in_org ? "k.organization_id = $2::text" : "$2::text IS NULL") +
         " AND ($3::text[] IS NULL OR k.document_sets && $3::text[])"
         " AND ($4::boolean OR (NOT k.acl_malformed AND (NOT k.has_acl OR k.acl_public"
         " OR ($5::text IS NOT NULL AND $5::text = ANY (k.acl_users))"
         " OR k.acl_groups && $6::text[])))";
}

/// Chunk-id order, bytewise (the C++ tie-break compares the same bytes).
std::string chunk_order(const char* alias) {
  const std::string a = alias;
  return a + "organization_id COLLATE \"C\", " + a + "document_id COLLATE \"C\", " + a +
         "chunk_index";
}

/// CTEs `q` (the ORed lexemes of plainto_tsquery) and `sparse` (top C by ts_rank,
/// ranked 0..C-1). `q` is MATERIALIZED: inlined into a generic plan (a prepared
/// statement's 6th run on) the tsquery was rebuilt for every matching row (5x slower).
/// The LIMIT runs before the window, so the database keeps a top-C heap instead of
/// sorting every match.
std::string sparse_ctes(scope s) {
  return "q AS MATERIALIZED (SELECT replace(plainto_tsquery('english', $1::text)::text, ' & ', ' | "
         "')"
         "::tsquery AS tsq),"
         " sparse AS (SELECT organization_id, document_id, chunk_index,"
         " row_number() OVER (ORDER BY text_rank DESC, " +
         chunk_order("") +
         ") - 1 AS sparse_rank"
         " FROM (SELECT k.organization_id, k.document_id, k.chunk_index,"
         " ts_rank(k.content_tsv, q.tsq) AS text_rank"
         " FROM knowledge_chunks k, q WHERE k.content_tsv @@ q.tsq AND " +
         visible(s) + " ORDER BY text_rank DESC, " + chunk_order("k.") + " LIMIT $7::bigint) top)";
}

std::string make_fallback(scope s) {
  return "WITH " + sparse_ctes(s) +
         ", recent AS (SELECT k.organization_id, k.document_id, k.chunk_index"
         " FROM knowledge_chunks k WHERE " +
         visible(s) +
         " ORDER BY k.seq DESC LIMIT $8::bigint),"
         " picked AS (SELECT organization_id, document_id, chunk_index FROM sparse"
         " UNION SELECT organization_id, document_id, chunk_index FROM recent)"
         " SELECT k.organization_id, k.document_id, k.chunk_index, k.source, k.content,"
         " k.embedding, s.sparse_rank, k.title, k.url"
         " FROM picked p JOIN knowledge_chunks k USING (organization_id, document_id, chunk_index)"
         " LEFT JOIN sparse s USING (organization_id, document_id, chunk_index)";
}

std::string make_sparse(scope s) {
  return "WITH " + sparse_ctes(s) +
         " SELECT k.organization_id, k.document_id, k.chunk_index, k.source, k.content,"
         " NULL::text, s.sparse_rank, k.title, k.url"
         " FROM sparse s JOIN knowledge_chunks k USING (organization_id, document_id, chunk_index)";
}

std::string make_dense(scope s) {
  return "SELECT k.organization_id, k.document_id, k.chunk_index, k.source, k.content, k.title,"
         " k.url FROM knowledge_chunks k WHERE " +
         visible(s) +
         " AND k.embedding_vector IS NOT NULL AND (k.embedding_vector <=> $1::vector) < 1"
         " ORDER BY k.embedding_vector <=> $1::vector, " +
         chunk_order("k.") + " LIMIT $7::bigint";
}

std::string make_insert(bool with_vector) {
  return std::string(
             "INSERT INTO knowledge_chunks (organization_id, document_id, chunk_index, source,"
             " title, url, document_sets, has_acl, acl_public, acl_users, acl_groups,"
             " acl_malformed, content, embedding") +
         (with_vector ? ", embedding_vector" : "") +
         ") VALUES ($1, $2, $3::integer, $4, $5, $6, $7::text[], $8::boolean, $9::boolean,"
         " $10::text[], $11::text[], $12::boolean, $13, $14::real[]" +
         (with_vector ? ", $15::vector" : "") + ")";
}

}  // namespace

const std::string& fallback_query(scope s) {
  static const std::string in_org = make_fallback(scope::in_org);
  static const std::string any_org = make_fallback(scope::any_org);
  return s == scope::in_org ? in_org : any_org;
}

const std::string& sparse_query(scope s) {
  static const std::string in_org = make_sparse(scope::in_org);
  static const std::string any_org = make_sparse(scope::any_org);
  return s == scope::in_org ? in_org : any_org;
}

const std::string& dense_query(scope s) {
  static const std::string in_org = make_dense(scope::in_org);
  static const std::string any_org = make_dense(scope::any_org);
  return s == scope::in_org ? in_org : any_org;
}

const std::string& insert_chunk(bool with_vector) {
  static const std::string plain = make_insert(false);
  static const std::string vector = make_insert(true);
  return with_vector ? vector : plain;
}

}  // namespace so::adapters::pg::knowledge_sql
