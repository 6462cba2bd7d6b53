// tests/adapters/deterministic_embedder_test.cpp — the exact algorithm of
// storage-backplane.md §5.1 (FNV-1a 64, two signed buckets, f32 normalisation),
// cosine similarity, and the PostgreSQL array literals the knowledge store binds.
#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/cosine_similarity.hpp"
#include "adapters/knowledge/postgres_arrays.hpp"
#include "adapters/storage/storage.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

using namespace so::adapters;

namespace {

/// The non-zero entries of `v` as (index, value).
std::vector<std::pair<std::size_t, float>> nonzero(const embedding& v) {
  std::vector<std::pair<std::size_t, float>> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != 0.0f) out.emplace_back(i, v[i]);
  return out;
}

float norm(const embedding& v) {
  float s = 0.0f;
  for (float x : v) s += x * x;
  return std::sqrt(s);
}

using entries = std::vector<std::pair<std::size_t, float>>;

}  // namespace

TEST_CASE("embedder: FNV-1a 64 test vectors of §5.1", "[knowledge][embedder]") {
  CHECK(fnv1a64("return") == 0xc5c7b983377cad5fULL);
  CHECK(fnv1a64("policy") == 0xbfe9e4a0d3aa473fULL);
  CHECK(fnv1a64("refund") == 0xcbd4c41d1e3a433fULL);
  CHECK(fnv1a64("hello") == 0xa430d84680aabd0bULL);
  CHECK(fnv1a64("world") == 0x4f59ff5e730c8af3ULL);
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);  // the offset basis
}

TEST_CASE("embedder: the reference's drift guard, dim 16 'return policy refund'",
          "[knowledge][embedder]") {
  // Every a is 15 (h mod 16 = 0xf for all three); b = 3, 0, 13; bits 0 and 1 are set
  // in all three hashes, so every sign is -1. v[15] = -3, v[0] = v[3] = v[13] = -1;
  // norm = sqrt(12); -1/sqrt(12) = -0.28867513, -3/sqrt(12) = -0.86602545 (f32).
  deterministic_embedder e(16);
  CHECK(nonzero(e.embed_one("return policy refund")) ==
        entries{{0, -0.28867513f}, {3, -0.28867513f}, {13, -0.28867513f}, {15, -0.86602545f}});
}

TEST_CASE("embedder: dim 1024 'hello world' of §5.1", "[knowledge][embedder]") {
  deterministic_embedder e;
  REQUIRE(e.dim() == 1024);
  CHECK(nonzero(e.embed_one("hello world")) ==
        entries{{70, -0.5f}, {267, -0.5f}, {755, -0.5f}, {862, -0.5f}});
}

TEST_CASE("embedder: tokens are lower-cased alphanumeric runs, duplicates add up",
          "[knowledge][embedder]") {
  deterministic_embedder e(8);
  CHECK(e.tokens("Hello, World! hello-42 x") ==
        std::vector<std::string>{"hello", "world", "hello", "42", "x"});
  // dim 8, every sign -1 (bits 0 and 1 set in all four hashes):
  //   hello: a = 3, b = 6 (twice); world: a = 3, b = 6; 42: a = 3, b = 7; x: a = 7, b = 4.
  //   v[3] = -4, v[6] = -3, v[7] = -2, v[4] = -1; norm = sqrt(30).
  const float n = std::sqrt(30.0f);
  CHECK(nonzero(e.embed_one("Hello, World! hello-42 x")) ==
        entries{{3, -4.0f / n}, {4, -1.0f / n}, {6, -3.0f / n}, {7, -2.0f / n}});
}

TEST_CASE("embedder: both buckets apply when a = b, each with its own sign",
          "[knowledge][embedder]") {
  // dim 4: "a" has a = b = 0 and both signs +1 (v[0] += 2); "b" has a = 1 (sign -1)
  // and b = 0 (sign +1); "c" has a = 2 (sign +1) and b = 0 (sign -1).
  deterministic_embedder e(4);
  // "a b": v = [3, -1, 0, 0] / sqrt(10).
  CHECK(e.embed_one("a b") == embedding{3.0f / std::sqrt(10.0f), -1.0f / std::sqrt(10.0f), 0, 0});
  // "a b c": v = [2, -1, 1, 0] / sqrt(6).
  const float n = std::sqrt(6.0f);
  CHECK(e.embed_one("a b c") == embedding{2.0f / n, -1.0f / n, 1.0f / n, 0});
}

TEST_CASE("embedder: Unicode lower-casing and separators", "[knowledge][embedder]") {
  deterministic_embedder e(64);
  CHECK(e.tokens("ÉCOLE d’été") == std::vector<std::string>{"école", "d", "été"});
  CHECK(e.tokens("中文 テスト") == std::vector<std::string>{"中文", "テスト"});
  CHECK(e.tokens("a\xff"
                 "b") == std::vector<std::string>{"a", "b"});  // an invalid byte separates
  CHECK(e.embed_one("ÉCOLE") == e.embed_one("école"));
}

TEST_CASE("embedder: unit norm, zero vector without tokens, input type ignored",
          "[knowledge][embedder]") {
  deterministic_embedder e;
  const auto v = e.embed({"The quick brown fox", "?!  ...", ""}, input_type::document);
  REQUIRE(v.size() == 3);
  CHECK(std::abs(norm(v[0]) - 1.0f) < 1e-4f);
  CHECK(nonzero(v[1]).empty());
  CHECK(v[1].size() == 1024);
  CHECK(nonzero(v[2]).empty());
  CHECK(e.embed({"The quick brown fox"}, input_type::query)[0] == v[0]);
  CHECK(e.embed({}, input_type::query).empty());
}

TEST_CASE("embedder: similar texts are closer than unrelated ones, dimension is configurable",
          "[knowledge][embedder]") {
  deterministic_embedder e;
  const auto a = e.embed_one("the quick brown fox jumps");
  const auto b = e.embed_one("the quick brown fox leaps");
  const auto c = e.embed_one("completely unrelated banana finance report");
  CHECK(cosine_similarity(a, b) > cosine_similarity(a, c));
  CHECK(deterministic_embedder(1536).embed_one("x").size() == 1536);
  CHECK_THROWS_AS(deterministic_embedder(0), std::invalid_argument);
}

TEST_CASE("embedder: safe to share between threads", "[knowledge][embedder]") {
  deterministic_embedder e;
  const auto expected = e.embed_one("return policy refund window");
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        same[t] += e.embed_one("return policy refund window") == expected;
    });
  for (auto& t : threads) t.join();
  CHECK(same == std::vector<int>(4, 200));
}

TEST_CASE("cosine similarity: value, and 0 instead of NaN", "[knowledge][embedder]") {
  CHECK(cosine_similarity(embedding{1, 0}, embedding{1, 0}) == 1.0f);
  CHECK(cosine_similarity(embedding{1, 0}, embedding{0, 1}) == 0.0f);
  CHECK(cosine_similarity(embedding{1, 1}, embedding{-1, -1}) == Approx(-1.0f));
  CHECK(cosine_similarity(embedding{3, 4}, embedding{4, 3}) == Approx(24.0f / 25.0f));
  CHECK(cosine_similarity(embedding{}, embedding{}) == 0.0f);
  CHECK(cosine_similarity(embedding{1, 2}, embedding{1, 2, 3}) == 0.0f);
  CHECK(cosine_similarity(embedding{0, 0}, embedding{1, 2}) == 0.0f);
}

TEST_CASE("postgres array literals: text[] escaping, real[] round trip", "[knowledge][postgres]") {
  CHECK(pg::text_array_literal({}) == "{}");
  CHECK(pg::text_array_literal({"a", "b c", "x,y", "q\"t", "b\\s", "NULL", "{}"}) ==
        R"({"a","b c","x,y","q\"t","b\\s","NULL","{}"})");
  const embedding v{0.0f, -0.28867513f, 1.0f, 1e-5f, -0.86602545f, 3.4e38f};
  const std::string literal = pg::real_array_literal(v);
  CHECK(literal == "{0,-0.28867513,1,1e-05,-0.86602545,3.4e+38}");
  CHECK(pg::parse_real_array(literal) == v);
  CHECK(pg::parse_real_array("{}").empty());
  CHECK_THROWS_AS(pg::parse_real_array("{1,NULL}"), storage_error);
  CHECK_THROWS_AS(pg::parse_real_array("1,2"), storage_error);
  CHECK_THROWS_AS(pg::parse_real_array("{1,,2}"), storage_error);
  CHECK_THROWS_AS(pg::real_array_literal(embedding{std::nanf("")}), storage_error);
}
