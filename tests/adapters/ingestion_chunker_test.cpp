// The indexing pipeline's chunker (adapters/knowledge/ingestion_chunker.hpp,
// storage-backplane.md §11): scalar-value lengths, paragraph packing, hard splits,
// word overlap, constructor clamps.
#include "adapters/knowledge/ingestion_chunker.hpp"

#include <catch2/catch.hpp>

using so::adapters::ingestion_chunker;
using so::adapters::scalar_length;
using V = std::vector<std::string>;

TEST_CASE("ingestion chunker: lengths count Unicode scalar values", "[ingest][chunker]") {
  CHECK(scalar_length("") == 0);
  CHECK(scalar_length("abc") == 3);
  CHECK(scalar_length("\xC3\xA9t\xC3\xA9") == 3);  // "été": 5 bytes
  CHECK(scalar_length("\xF0\x9F\x98\x80") == 1);   // one emoji, 4 bytes
  CHECK(scalar_length("a\xFF\xC3") == 3);          // invalid bytes count one each
  // A byte limit would split this; a scalar limit of 7 packs it: 3 + 2 + 2 = 7.
  CHECK(ingestion_chunker(7, 0).split("\xC3\xA9\xC3\xA9\xC3\xA9\n\n\xC3\xA0\xC3\xA0") ==
        V{"\xC3\xA9\xC3\xA9\xC3\xA9\n\n\xC3\xA0\xC3\xA0"});
  CHECK(ingestion_chunker(6, 0).split("\xC3\xA9\xC3\xA9\xC3\xA9\n\n\xC3\xA0\xC3\xA0") ==
        V{"\xC3\xA9\xC3\xA9\xC3\xA9", "\xC3\xA0\xC3\xA0"});
}

TEST_CASE("ingestion chunker: defaults and constructor clamps", "[ingest][chunker]") {
  ingestion_chunker d;
  CHECK(d.max_chars() == 500);
  CHECK(d.overlap() == 64);
  ingestion_chunker zero(0, 5);
  CHECK(zero.max_chars() == 1);
  CHECK(zero.overlap() == 0);
  CHECK(ingestion_chunker(10, 20).overlap() == 9);
}

TEST_CASE("ingestion chunker: blank text yields nothing, paragraphs are trimmed",
          "[ingest][chunker]") {
  ingestion_chunker c(100, 0);
  CHECK(c.split("").empty());
  CHECK(c.split(" \n\n\t\n\n\xE3\x80\x80").empty());  // U+3000 is whitespace
  CHECK(c.split("\xE3\x80\x80 hello \n\n\t") == V{"hello"});
  // A single newline is not a paragraph break.
  CHECK(c.split("line one\nline two") == V{"line one\nline two"});
}

TEST_CASE("ingestion chunker: greedy packing joins with a blank line while it fits",
          "[ingest][chunker]") {
  CHECK(ingestion_chunker(16, 0).split("aaaa\n\nbbbb\n\ncccc") == V{"aaaa\n\nbbbb\n\ncccc"});
  CHECK(ingestion_chunker(15, 0).split("aaaa\n\nbbbb\n\ncccc") == V{"aaaa\n\nbbbb", "cccc"});
  CHECK(ingestion_chunker(9, 0).split("aaaa\n\nbbbb\n\ncccc") == V{"aaaa", "bbbb", "cccc"});
  // Empty paragraphs in between are dropped before packing.
  CHECK(ingestion_chunker(10, 0).split("aaaa\n\n\n\n  \n\nbbbb") == V{"aaaa\n\nbbbb"});
}

TEST_CASE("ingestion chunker: a long paragraph is hard-split into word runs", "[ingest][chunker]") {
  CHECK(ingestion_chunker(10, 0).split("one two three four five") ==
        V{"one two", "three four", "five"});
  // Runs are joined by single spaces whatever whitespace separated the words.
  CHECK(ingestion_chunker(10, 0).split("one \t two   three") == V{"one two", "three"});
  // A word longer than max stands alone.
  CHECK(ingestion_chunker(5, 0).split("abcdefgh xy z") == V{"abcdefgh", "xy z"});
}

TEST_CASE("ingestion chunker: overlap prefixes the previous chunk's trailing words",
          "[ingest][chunker]") {
  // Pre-overlap chunks: "one two", "three four", "five".
  CHECK(ingestion_chunker(10, 5).split("one two three four five") ==
        V{"one two", "two three four", "four five"});
  // With 9: all of "one two" (7) fits; of "three four" (10) only "four".
  CHECK(ingestion_chunker(10, 9).split("one two three four five") ==
        V{"one two", "one two three four", "four five"});
  // No trailing word fits: no prefix at all.
  CHECK(ingestion_chunker(10, 2).split("one two three four five") ==
        V{"one two", "three four", "five"});
  // Words of a packed chunk are taken across its paragraph break.
  CHECK(ingestion_chunker(14, 9).split("aa bb\n\ncc dd\n\neeeeeeeee ff") ==
        V{"aa bb\n\ncc dd", "bb cc dd eeeeeeeee ff"});
}
