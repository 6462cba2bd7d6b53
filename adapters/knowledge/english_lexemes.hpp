// adapters/knowledge/english_lexemes.hpp — what PostgreSQL's `english` text-search
// configuration makes of a text, approximated in C++ so the in-memory store's sparse
// arm ranks like postgres_knowledge's (to_tsvector / plainto_tsquery 'english').
//
// english_lexemes(text):
//  1. tokens as the deterministic embedder cuts them (§5.1: lower-cased, split on
//     every non-alphanumeric code point);
//  2. a token of letters only is dropped when it is one of PostgreSQL's 127 English
//     stop words, else reduced by the Snowball English (Porter2) stemmer; a token
//     holding a digit is kept as it is (PostgreSQL's `simple` dictionary for
//     numbers and numwords).
// Known differences (PARTIAL): PostgreSQL's parser also emits compound tokens for
// hyphenated words ("smooth-agent" → smooth-ag, smooth, agent), keeps e-mail
// addresses, URLs, host names and file paths ("docs/a.md") as single lexemes, and
// reads numbers with a decimal point as one token; here they split into their parts.
// The Porter2 special-word list (skis, dying, news, ...) is included; a corpus of
// plain words ranks the same in both stores (tests/adapters/knowledge_ranking_corpus.hpp).
//
// Thread-safety: pure functions (the stop list is a function-local constant).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// Snowball English (Porter2) stem of one lower-case word (ASCII letters; other
/// bytes count as consonants).
std::string porter2_stem(std::string_view word);

/// True for the stop words of PostgreSQL's english.stop.
bool is_english_stop_word(std::string_view word);

/// The lexemes of `text`, in text order, duplicates kept (see the contract above).
std::vector<std::string> english_lexemes(std::string_view text);

}  // namespace so::adapters
