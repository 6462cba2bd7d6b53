// adapters/knowledge/postgres_knowledge_sql.hpp — the SQL texts of postgres_knowledge.
//
// Constant texts only: every value is a bound parameter. The query statements share
// these parameters:
//   $1 the query text (the dense pgvector statement: the query vector),
//   $2 org (text; NULL = every org), $3 document sets (text[]; NULL = unscoped),
//   $4 is_admin (boolean), $5 user id (text; NULL = none), $6 groups (text[]),
//   $7 C (candidates per arm), and for the fallback statement $8 N (recent candidates).
// Each query statement comes in two scopes: `in_org` filters `organization_id = $2`
// (every server query; index-friendly), `any_org` ignores the org ($2 must be NULL).
//
// Thread-safety: the texts are built once (function-local statics) and immutable.
#pragma once

#include <string>

namespace so::adapters::pg::knowledge_sql {

enum class scope { in_org, any_org };

/// Fallback (real[]): every candidate of both arms in one round trip — the sparse
/// arm's top C with `sparse_rank` (0-based), plus the N most recently ingested visible
/// chunks (sparse_rank NULL) — with their embeddings. Columns: organization_id,
/// document_id, chunk_index, source, content, embedding, sparse_rank, title, url.
const std::string& fallback_query(scope s);

/// pgvector: the sparse arm alone; the same columns (embedding NULL).
const std::string& sparse_query(scope s);

/// pgvector: the dense arm by cosine distance (similarity > 0), LIMIT C. Columns:
/// organization_id, document_id, chunk_index, source, content, title, url.
const std::string& dense_query(scope s);

/// One chunk row: $1 org, $2 document id, $3 chunk index, $4 source, $5 title,
/// $6 url, $7 sets, $8 has_acl, $9 acl_public, $10 acl_users, $11 acl_groups,
/// $12 acl_malformed, $13 content, $14 embedding (real[]), and with `with_vector`
/// $15 the same embedding as a pgvector literal.
const std::string& insert_chunk(bool with_vector);

}  // namespace so::adapters::pg::knowledge_sql
