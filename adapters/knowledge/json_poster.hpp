// adapters/knowledge/json_poster.hpp — a blocking HTTP POST of a JSON body, the seam the
// gateway embedder and the gateway reranker call (storage-backplane.md §5.2, §5.3).
//
// The server's implementation is net/json_poster.hpp (the project's HTTP client,
// waited for on the calling thread); tests point it at a local HTTP server.
//
// Thread-safety: `post` is const, may be called from several threads at once, and
// BLOCKS: call it only where blocking is allowed (the storage pool's knowledge and
// indexing workers, or at boot) — never on an io thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace so::adapters {

struct json_post_response {
  int status = 0;
  std::string body;
};

class json_poster {
 public:
  virtual ~json_poster() = default;
  /// POSTs `body` (sent as application/json) to `url` with `headers`; any HTTP status
  /// is returned. Throws std::runtime_error on a network failure, a timeout, or a
  /// response body over the implementation's cap.
  virtual json_post_response post(const std::string& url,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) const = 0;
};

using json_poster_ptr = std::shared_ptr<const json_poster>;

}  // namespace so::adapters
