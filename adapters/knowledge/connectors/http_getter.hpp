// adapters/knowledge/connectors/http_getter.hpp — a blocking HTTP GET for connectors
// that talk to a TRUSTED, operator-configured API (the github connector and
// SMOOTH_AGENT_GITHUB_API_URL). No SSRF guard: admin-supplied URLs go through
// web_fetch.hpp instead. The server's implementation is net/blocking_http.hpp.
//
// Thread-safety: `get` is const, may be called from several threads, and BLOCKS: call
// it only on the storage pool's indexing worker.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace so::adapters::connectors {

struct http_get_response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    for (const auto& [k, v] : headers) {
      if (k.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; same && i < k.size(); ++i) same = lower(k[i]) == lower(name[i]);
      if (same) return v;
    }
    return std::nullopt;
  }
};

class http_getter {
 public:
  virtual ~http_getter() = default;
  /// GET `url` with `headers`; any status is returned. Throws std::runtime_error on a
  /// network failure, a timeout, or a body over the implementation's cap.
  virtual http_get_response get(
      const std::string& url,
      const std::vector<std::pair<std::string, std::string>>& headers) const = 0;
};

}  // namespace so::adapters::connectors
