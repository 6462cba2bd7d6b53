// bench/knowledge_retrieval.cpp — query latency of the knowledge stores (issue 11).
//
//   knowledge_retrieval [chunks=10000] [queries=500] [postgres_url]
//
// Fills a store with `chunks` chunks of synthetic product documentation (2,000-word
// vocabulary, 5 chunks per document, one org, every document org-public) through
// replace_chunks (the indexing pipeline's write path), then runs `queries` queries of 3
// to 5 vocabulary words as the knowledge_search tool does (limit 5, the org's access
// context), and prints the latency percentiles as JSON lines
// `{"name":"retrieval_<store>_c<chunks>_<figure>",...}`. Without `postgres_url` only the
// in-memory store runs; with it, PostgreSQL too (tables of migration 4 in that database:
// give it a database of its own; its chunks of org `bench-org` are replaced). The
// vectors come from the store's own chunk embedder (the deterministic one), so the
// dense arm of PostgreSQL works as in production. Exit: 0 ok, 1 a store failed.
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/knowledge/postgres_knowledge.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using so::adapters::knowledge_base;
using bench_clock = std::chrono::steady_clock;

constexpr std::size_t kChunksPerDocument = 5;
constexpr const char* kOrg = "bench-org";

std::size_t arg(int argc, char** argv, int i, std::size_t fallback) {
  if (i >= argc) return fallback;
  char* end = nullptr;
  const auto v = std::strtoull(argv[i], &end, 10);
  if (*end != '\0' || v == 0) {
    std::fprintf(stderr,
                 "usage: knowledge_retrieval [chunks=10000] [queries=500] [postgres_url]\n");
    std::exit(2);
  }
  return static_cast<std::size_t>(v);
}

/// A deterministic vocabulary: "w0" … "w1999" spelled as pronounceable words.
std::vector<std::string> vocabulary() {
  static const char* syllables[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po",
                                    "ve", "zu", "ba", "de", "fo", "gi", "hu", "ja"};
  std::vector<std::string> words;
  for (std::size_t i = 0; words.size() < 2000; ++i)
    words.push_back(std::string(syllables[i % 16]) + syllables[(i / 16) % 16] +
                    syllables[(i / 256) % 16] + std::to_string(i % 7));
  return words;
}

std::string sentence(std::mt19937& rng, const std::vector<std::string>& words, std::size_t n) {
  // Zipf-like: low indexes are common, as in real text.
  std::uniform_real_distribution<double> u(0, 1);
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto idx = static_cast<std::size_t>(std::pow(u(rng), 2.0) * words.size());
    if (!out.empty()) out += ' ';
    out += words[std::min(idx, words.size() - 1)];
  }
  return out;
}

void fill(knowledge_base& kb, std::size_t chunks, const std::vector<std::string>& words) {
  std::mt19937 rng(42);
  auto embedder = kb.chunk_embedder();
  for (std::size_t d = 0; d * kChunksPerDocument < chunks; ++d) {
    so::adapters::document doc;
    doc.id = "doc-" + std::to_string(d);
    doc.source = "bench/" + doc.id + ".md";
    doc.title = "Bench document " + std::to_string(d);
    doc.organization_id = kOrg;
    std::vector<so::adapters::prepared_chunk> prepared;
    std::vector<std::string> texts;
    for (std::size_t c = 0; c < kChunksPerDocument && d * kChunksPerDocument + c < chunks; ++c)
      texts.push_back(sentence(rng, words, 60));
    // One batch per document, as the indexing pipeline embeds.
    std::vector<so::adapters::embedding> vectors;
    if (embedder) vectors = embedder->embed(texts, so::adapters::input_type::document);
    for (std::size_t c = 0; c < texts.size(); ++c)
      prepared.push_back({texts[c], embedder ? vectors[c] : so::adapters::embedding{}});
    kb.replace_chunks(doc, prepared);
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size()) + 0.999999);
  return v[std::clamp<std::size_t>(i, 1, v.size()) - 1];
}

void figure(const std::string& name, double value, const char* unit) {
  std::printf("{\"name\":\"%s\",\"value\":%.4f,\"unit\":\"%s\"}\n", name.c_str(), value, unit);
}

void run(const std::string& store, knowledge_base& kb, std::size_t chunks, std::size_t queries) {
  const auto words = vocabulary();
  const auto t0 = bench_clock::now();
  fill(kb, chunks, words);
  const double fill_s = std::chrono::duration<double>(bench_clock::now() - t0).count();
  so::adapters::access_context access;
  access.organization_id = kOrg;
  access.user_id = "bench-user";
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> len(3, 5);
  std::vector<double> ms;
  std::size_t hits = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    const auto text = sentence(rng, words, len(rng));
    const auto a = bench_clock::now();
    const auto results = kb.query(text, 5, access);
    ms.push_back(std::chrono::duration<double, std::milli>(bench_clock::now() - a).count());
    hits += results.empty() ? 0 : 1;
  }
  const std::string prefix = "retrieval_" + store + "_c" + std::to_string(chunks) + "_";
  figure(prefix + "chunks", static_cast<double>(kb.count_chunks(kOrg)), "count");
  figure(prefix + "fill_s", fill_s, "s");
  figure(prefix + "query_p50_ms", percentile(ms, 0.50), "ms");
  figure(prefix + "query_p99_ms", percentile(ms, 0.99), "ms");
  figure(prefix + "queries_with_results", static_cast<double>(hits) / static_cast<double>(queries),
         "ratio");
}

}  // namespace

int main(int argc, char** argv) {
  const auto chunks = arg(argc, argv, 1, 10000);
  const auto queries = arg(argc, argv, 2, 500);
  spdlog::set_level(spdlog::level::warn);  // stdout carries the JSON figures only
  int rc = 0;
  try {
    so::adapters::memory_knowledge memory;
    run("memory", memory, chunks, queries);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knowledge_retrieval: memory: %s\n", e.what());
    rc = 1;
  }
  try {
    // The server's default in-memory ranking (hybrid RRF, deterministic embedder).
    so::adapters::memory_knowledge memory(so::adapters::memory_knowledge_options{});
    run("memory_hybrid", memory, chunks, queries);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "knowledge_retrieval: memory_hybrid: %s\n", e.what());
    rc = 1;
  }
  if (argc > 3) {
    try {
      so::adapters::postgres_knowledge::options o;
      so::adapters::postgres_knowledge pg(argv[3], o);
      run(pg.uses_pgvector() ? "postgres_pgvector" : "postgres", pg, chunks, queries);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "knowledge_retrieval: postgres: %s\n", e.what());
      rc = 1;
    }
  }
  return rc;
}
