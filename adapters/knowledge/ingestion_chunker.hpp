// adapters/knowledge/ingestion_chunker.hpp — the indexing pipeline's chunker
// (storage-backplane.md §11 "Chunker"). Not the in-memory store's chunker
// (chunking.hpp, engine.md §7.2), which cuts documents ingested whole.
//
// Every length is counted in Unicode scalar values (code points; a byte that is not
// valid UTF-8 counts as one). With max M and overlap O (defaults 500 and 64; the
// constructor forces M ≥ 1 and O ≤ M − 1):
//  1. split the text on "\n\n", trim each paragraph (Unicode whitespace), drop empty
//     ones; a paragraph longer than M is hard-split on whitespace into runs of words
//     joined by single spaces, each at most M (a word longer than M stands alone);
//  2. pack the units greedily: join them with "\n\n" while
//     length(current) + 2 + length(next) ≤ M;
//  3. every chunk after the first is prefixed with the longest run of whole trailing
//     words of the PREVIOUS chunk before its own prefix (words joined by single
//     spaces, total ≤ O), then a space. A prefixed chunk may exceed M.
// A blank text yields no chunk.
//
// Thread-safety: immutable after construction; `split` is const and pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

/// Unicode scalar values in `s` (invalid UTF-8 bytes count one each).
std::size_t scalar_length(std::string_view s);

class ingestion_chunker {
 public:
  static constexpr std::size_t kDefaultMax = 500;
  static constexpr std::size_t kDefaultOverlap = 64;

  explicit ingestion_chunker(std::size_t max_chars = kDefaultMax,
                             std::size_t overlap = kDefaultOverlap);

  std::size_t max_chars() const { return max_; }
  std::size_t overlap() const { return overlap_; }

  /// The chunks of `text`, in order.
  std::vector<std::string> split(std::string_view text) const;

 private:
  std::size_t max_;
  std::size_t overlap_;
};

}  // namespace so::adapters
