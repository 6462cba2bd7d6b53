// adapters/knowledge/chunking.hpp — how the in-memory knowledge base cuts a document
// into chunks (engine.md §7.2, "Ingest / chunking").
//
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// Largest chunk in UTF-8 bytes; only a single longer word may exceed it.
inline constexpr std::size_t kMaxChunkBytes = 500;

/// Splits on the exact separator "\n\n", trims each section (Unicode
/// whitespace) and drops empty ones. A section of at most kMaxChunkBytes bytes
/// is one chunk; a longer one is re-flowed: its whitespace-separated words are
/// joined greedily with single spaces, starting a new chunk when `' ' + word`
/// would exceed the limit (a word longer than the limit becomes its own chunk).
std::vector<std::string> chunk_content(std::string_view content);

}  // namespace so::adapters
