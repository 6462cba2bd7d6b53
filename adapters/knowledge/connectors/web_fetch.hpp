// adapters/knowledge/connectors/web_fetch.hpp — the web connector's one outbound seam:
// GET a URL, following redirects, behind the SSRF guard (ssrf_guard.hpp).
//
// The server's implementation is net/web_fetcher.hpp (the project's HTTP client, every
// hop's resolved addresses checked and the connection pinned to a checked one, a size
// cap, timeouts). Tests may substitute their own.
//
// Thread-safety: `fetch` is const and may be called from several threads at once. It
// BLOCKS until the page (or the failure) is in: call it only on the storage pool's
// indexing worker, never on an io thread.
#pragma once

#include <string>

namespace so::adapters::connectors {

/// A fetched page (after redirects).
struct web_page {
  std::string url;  ///< the final URL
  int status = 0;   ///< 2xx
  std::string content_type;
  std::string body;  ///< raw bytes, at most the size cap
};

class web_fetcher {
 public:
  virtual ~web_fetcher() = default;
  /// GET `url`. Throws std::runtime_error naming the cause on any failure: a URL
  /// that is not http(s), a refused address (any hop), too many redirects, a
  /// non-2xx status, a body over the cap, a timeout, a network error.
  virtual web_page fetch(const std::string& url) const = 0;
};

}  // namespace so::adapters::connectors
