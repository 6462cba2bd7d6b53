// adapters/knowledge/embedder.hpp — the embedder seam: text → fixed-width vectors
// (storage-backplane.md §5).
//
// An embedder turns each input text into one vector of exactly `dim()` floats. The
// knowledge store embeds chunks with input_type::document at ingest and the query
// with input_type::query; an implementation may treat the two alike (the
// deterministic one does). Vectors from different embedders (or dimensions) are not
// comparable: a store keeps using the embedder it was built with.
//
// Implementations: deterministic_embedder (the default, no I/O). A gateway embedder
// (issue 11) will call the network.
//
// Thread-safety: `embed` and `dim` are const and must be safe to call from several
// threads at once. `embed` MAY BLOCK (a network embedder does), so the server calls
// it only where blocking is allowed: at boot before serving, and on the storage
// pool's workers — never on an io thread. Failure is an exception
// (std::runtime_error or a subclass) naming what failed; a successful call returns
// exactly one vector of `dim()` floats per input, in input order.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace so::adapters {

/// What a text is embedded as (storage-backplane.md §5: "InputType").
enum class input_type { document, query };

using embedding = std::vector<float>;

class embedder {
 public:
  virtual ~embedder() = default;
  /// The width of every vector this embedder returns.
  virtual std::size_t dim() const = 0;
  /// One vector per text, in order (empty input → empty output, no work).
  virtual std::vector<embedding> embed(const std::vector<std::string>& texts,
                                       input_type type) const = 0;
};

using embedder_ptr = std::shared_ptr<const embedder>;

}  // namespace so::adapters
