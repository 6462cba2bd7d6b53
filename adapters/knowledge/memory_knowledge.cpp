// adapters/knowledge/memory_knowledge.cpp — see memory_knowledge.hpp.
#include "adapters/knowledge/memory_knowledge.hpp"

#include "adapters/knowledge/chunking.hpp"
#include "adapters/knowledge/cosine_similarity.hpp"
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/english_lexemes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <tuple>

namespace so::adapters {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool acl_allows(const doc_acl& acl, const access_context& access) {
  if (acl.is_public) return true;
  if (access.user_id && contains(acl.users, *access.user_id)) return true;
  return std::any_of(access.groups.begin(), access.groups.end(),
                     [&](const std::string& g) { return contains(acl.groups, g); });
}

/// RRF contribution of a rank counted from 0 (§4.4), in f32 as postgres_knowledge.
float rrf(std::size_t rank) {
  return 1.0f / (60.0f + static_cast<float>(rank) + 1.0f);
}

/// PostgreSQL's ts_rank (calc_rank_or, default weights, normalization 0) of a chunk
/// for the query's distinct lexemes, in the same float operations.
float ts_rank_or(const std::map<std::string, std::size_t>& chunk_lexemes,
                 const std::set<std::string>& query_lexemes) {
  constexpr float kWeightD = 0.1f;      // every position of to_tsvector weighs D
  constexpr std::size_t kMaxPos = 256;  // MAXNUMPOS: positions kept per lexeme
  float res = 0.0f;
  for (const auto& q : query_lexemes) {
    const auto it = chunk_lexemes.find(q);
    if (it == chunk_lexemes.end()) continue;
    const std::size_t n = std::min(it->second, kMaxPos);
    float resj = 0.0f;
    for (std::size_t j = 0; j < n; ++j)
      resj = resj + kWeightD / static_cast<float>((j + 1) * (j + 1));
    const float wjm = kWeightD;  // jm = 0: every weight is equal
    res = static_cast<float>(static_cast<double>(res) +
                             static_cast<double>(wjm + resj - wjm / 1.0f) / 1.64493406685);
  }
  if (!query_lexemes.empty()) res = res / static_cast<float>(query_lexemes.size());
  return res;
}

/// cosine_similarity(query, chunk) for a chunk kept in sparse form; `query_norm_sq` is
/// Σ q[i]² accumulated in index order. Bit-identical to cosine_similarity: the same
/// f32 accumulations, minus the additions of zero products (x + 0 == x).
float sparse_cosine(const embedding& query, float query_norm_sq,
                    const std::vector<std::uint32_t>& index, const std::vector<float>& value,
                    float norm_sq) {
  float dot = 0.0f;
  for (std::size_t k = 0; k < index.size(); ++k) dot += query[index[k]] * value[k];
  if (query_norm_sq == 0.0f || norm_sq == 0.0f) return 0.0f;
  const float out = dot / (std::sqrt(query_norm_sq) * std::sqrt(norm_sq));
  return std::isfinite(out) ? out : 0.0f;
}

}  // namespace

memory_knowledge::memory_knowledge(memory_knowledge_options options)
    : ranking_(options.ranking),
      limits_(options.limits),
      max_limit_(std::max<std::size_t>(1, options.max_limit)),
      embedder_(options.ranking == memory_ranking::hybrid
                    ? (options.embedder ? std::move(options.embedder)
                                        : std::make_shared<deterministic_embedder>())
                    : nullptr) {}

void memory_knowledge::ingest(const document& doc) {
  auto texts = chunk_content(doc.content);
  std::vector<embedding> vectors;
  // Embedding may block (a gateway): never under the lock.
  if (embedder_) {
    vectors = embedder_->embed(texts, input_type::document);
    if (vectors.size() != texts.size())
      throw std::runtime_error("knowledge ingest: the embedder returned " +
                               std::to_string(vectors.size()) + " vectors for " +
                               std::to_string(texts.size()) + " chunks");
  }
  store(doc, std::move(texts), std::move(vectors));
}

void memory_knowledge::replace_chunks(const document& doc,
                                      const std::vector<prepared_chunk>& chunks) {
  std::vector<std::string> texts;
  std::vector<embedding> vectors;
  texts.reserve(chunks.size());
  for (const auto& c : chunks) {
    texts.push_back(c.text);
    if (embedder_) vectors.push_back(c.vector);
  }
  store(doc, std::move(texts), std::move(vectors));
}

bool memory_knowledge::remove_document(const std::string& organization_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto removed = std::erase_if(chunks_, [&](const stored_chunk& c) {
    return c.doc->id == id && c.doc->organization_id == organization_id;
  });
  chunk_count_.store(chunks_.size(), std::memory_order_release);
  return removed > 0;
}

std::size_t memory_knowledge::count_chunks(const std::string& organization_id) {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(chunks_.begin(), chunks_.end(), [&](const auto& c) {
    return c.doc->organization_id == organization_id;
  }));
}

void memory_knowledge::store(const document& doc, std::vector<std::string> texts,
                             std::vector<embedding> vectors) {
  if (embedder_)
    for (const auto& v : vectors)
      if (v.size() != embedder_->dim())
        throw std::runtime_error("knowledge ingest: an embedding has " + std::to_string(v.size()) +
                                 " dimensions, expected " + std::to_string(embedder_->dim()));
  if (doc.acl_malformed) {
    spdlog::warn(
        "knowledge document '{}' (org '{}', source '{}') has a malformed ACL; "
        "it is hidden from everyone but admins",
        doc.id, doc.organization_id, doc.source);
  }
  auto info = std::make_shared<doc_info>(doc_info{doc.id, doc.source, doc.title, doc.url,
                                                  doc.organization_id, doc.document_sets, doc.acl,
                                                  doc.acl_malformed});
  // Chunk and lower-case outside the lock: it is the expensive part.
  std::vector<stored_chunk> fresh;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    stored_chunk c;
    c.doc = info;
    c.index = i;
    if (embedder_) {
      auto& v = vectors[i];
      const auto nonzero = static_cast<std::size_t>(
          std::count_if(v.begin(), v.end(), [](float x) { return x != 0.0f; }));
      if (nonzero * 4 <= v.size()) {
        for (std::size_t k = 0; k < v.size(); ++k) {
          c.norm_sq += v[k] * v[k];  // every index, in order: as cosine_similarity sums
          if (v[k] != 0.0f) {
            c.nz_index.push_back(static_cast<std::uint32_t>(k));
            c.nz_value.push_back(v[k]);
          }
        }
      } else {
        c.vector = std::move(v);
      }
      for (auto& lexeme : english_lexemes(texts[i])) ++c.lexemes[std::move(lexeme)];
    } else {
      // Keep the lowered text alive: the split returns views into it.
      const std::string lowered = lowercaser_.lower(texts[i]);
      for (auto word : split_unicode_whitespace(lowered)) c.lower_words.emplace_back(word);
    }
    c.text = std::move(texts[i]);
    fresh.push_back(std::move(c));
  }

  std::lock_guard lock(mutex_);
  // Re-ingest replaces (decisions.md): drop the old chunks of this (org, id).
  std::erase_if(chunks_, [&](const stored_chunk& c) {
    return c.doc->id == doc.id && c.doc->organization_id == doc.organization_id;
  });
  for (auto& c : fresh) chunks_.push_back(std::move(c));
  chunk_count_.store(chunks_.size(), std::memory_order_release);
  if (chunks_.size() > limits_.max_scored_chunks && !warned_over_cap_) {
    warned_over_cap_ = true;
    spdlog::warn(
        "knowledge store holds {} chunks; a query scores at most {} (the first visible ones in "
        "ingest order), later chunks are not searched",
        chunks_.size(), limits_.max_scored_chunks);
  }
}

bool memory_knowledge::visible(const doc_info& doc, const access_context& access,
                               const std::optional<std::vector<std::string>>& document_sets) {
  if (access.organization_id && *access.organization_id != doc.organization_id) return false;
  if (document_sets) {
    // An empty list matches nothing; otherwise the union of the named sets.
    const bool in_set =
        std::any_of(doc.document_sets.begin(), doc.document_sets.end(),
                    [&](const std::string& s) { return contains(*document_sets, s); });
    if (!in_set) return false;
  }
  if (access.is_admin) return true;
  if (doc.acl_malformed) return false;  // fail closed
  if (!doc.acl) return true;            // no ACL = org-public
  return acl_allows(*doc.acl, access);
}

knowledge_result memory_knowledge::result_of(const stored_chunk& c, float score) {
  return knowledge_result{c.doc->id, c.text, score, c.doc->source, c.doc->title, c.doc->url};
}

std::vector<knowledge_result> memory_knowledge::query(
    const std::string& text, std::size_t limit, const access_context& access,
    const std::optional<std::vector<std::string>>& document_sets) {
  return embedder_ ? query_hybrid(text, limit, access, document_sets)
                   : query_lexical(text, limit, access, document_sets);
}

std::vector<knowledge_result> memory_knowledge::query_hybrid(
    const std::string& text, std::size_t limit, const access_context& access,
    const std::optional<std::vector<std::string>>& document_sets) {
  if (limit == 0 || trim_unicode_whitespace(text).empty()) return {};
  const std::size_t k = std::min(limit, max_limit_);
  const std::size_t c = std::max<std::size_t>(4 * k, 20);
  const auto lexemes = english_lexemes(text);
  const std::set<std::string> query_lexemes(lexemes.begin(), lexemes.end());
  // Embedding may block (a gateway): never under the lock.
  const auto embedded = embedder_->embed({text}, input_type::query);
  if (embedded.size() != 1 || embedded[0].size() != embedder_->dim())
    throw std::runtime_error("knowledge query: the embedder returned no usable query vector");
  const embedding& qv = embedded[0];
  float query_norm_sq = 0.0f;
  for (const float x : qv) query_norm_sq += x * x;  // in index order, as cosine_similarity

  using chunk_key = std::tuple<const std::string&, const std::string&, std::size_t>;
  const auto key = [](const stored_chunk* ch) {
    return chunk_key{ch->doc->organization_id, ch->doc->id, ch->index};
  };
  std::vector<knowledge_result> out;
  std::lock_guard lock(mutex_);
  std::vector<std::pair<float, const stored_chunk*>> sparse;
  std::vector<std::pair<float, const stored_chunk*>> dense;
  std::size_t budget = limits_.max_scored_chunks;
  for (const auto& chunk : chunks_) {
    if (!visible(*chunk.doc, access, document_sets)) continue;
    if (budget == 0) break;  // bounded work per query
    --budget;
    const bool matches = std::any_of(query_lexemes.begin(), query_lexemes.end(),
                                     [&](const std::string& q) { return chunk.lexemes.count(q); });
    if (matches) sparse.emplace_back(ts_rank_or(chunk.lexemes, query_lexemes), &chunk);
    const float similarity = chunk.vector.empty() ? sparse_cosine(qv, query_norm_sq, chunk.nz_index,
                                                                  chunk.nz_value, chunk.norm_sq)
                                                  : cosine_similarity(qv, chunk.vector);
    if (similarity > 0.0f) dense.emplace_back(similarity, &chunk);
  }
  const auto best_first = [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return key(a.second) < key(b.second);
  };
  // Only the top C of each arm count (the order is total: chunk ids are unique).
  for (auto* arm : {&sparse, &dense}) {
    const auto keep = std::min(c, arm->size());
    std::partial_sort(arm->begin(), arm->begin() + static_cast<std::ptrdiff_t>(keep), arm->end(),
                      best_first);
    arm->resize(keep);
  }

  // Reciprocal rank fusion: sparse contributions first, then dense, in f32.
  std::map<const stored_chunk*, float> fused;
  for (std::size_t rank = 0; rank < sparse.size(); ++rank) fused[sparse[rank].second] += rrf(rank);
  for (std::size_t rank = 0; rank < dense.size(); ++rank) fused[dense[rank].second] += rrf(rank);
  std::vector<std::pair<float, const stored_chunk*>> order;
  order.reserve(fused.size());
  for (const auto& [chunk, score] : fused) order.emplace_back(score, chunk);
  std::sort(order.begin(), order.end(), best_first);
  if (order.size() > k) order.resize(k);
  out.reserve(order.size());
  for (const auto& [score, chunk] : order) out.push_back(result_of(*chunk, score));
  return out;
}

std::vector<knowledge_result> memory_knowledge::query_lexical(
    const std::string& text, std::size_t limit, const access_context& access,
    const std::optional<std::vector<std::string>>& document_sets) {
  std::vector<std::string> query_words;
  for (auto word : split_unicode_whitespace(text)) {
    if (query_words.size() == limits_.max_query_words) break;  // bounded work per query
    query_words.push_back(lowercaser_.lower(word));
  }
  if (query_words.empty() || limit == 0) return {};

  std::vector<knowledge_result> scored;
  {
    std::lock_guard lock(mutex_);
    std::size_t budget = limits_.max_scored_chunks;
    for (const auto& chunk : chunks_) {
      if (chunk.lower_words.empty() || !visible(*chunk.doc, access, document_sets)) continue;
      if (budget == 0) break;  // bounded work per query
      --budget;
      // Query words count with multiplicity; each needs to be a substring of some chunk word.
      const auto matching =
          std::count_if(query_words.begin(), query_words.end(), [&](const std::string& qw) {
            return std::any_of(
                chunk.lower_words.begin(), chunk.lower_words.end(),
                [&](const std::string& cw) { return cw.find(qw) != std::string::npos; });
          });
      if (matching == 0) continue;
      // f32 division, exactly as the reference computes it.
      const float score =
          static_cast<float>(matching) / static_cast<float>(chunk.lower_words.size());
      scored.push_back(result_of(chunk, score));
    }
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const knowledge_result& a, const knowledge_result& b) { return a.score > b.score; });
  if (scored.size() > limit) scored.resize(limit);
  return scored;
}

}  // namespace so::adapters
