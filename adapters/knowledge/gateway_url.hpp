// adapters/knowledge/gateway_url.hpp — the URL of a gateway endpoint from the
// configured base (decisions.md "Knowledge and storage": base URL + the endpoint's
// path exactly once, never the reference's doubled `/v1/v1/...`).
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace so::adapters {

/// `base` with trailing '/' removed, then `path` (which starts with '/'):
/// ("https://llm.smoo.ai/v1/", "/embeddings") → "https://llm.smoo.ai/v1/embeddings".
inline std::string gateway_endpoint(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string out(base);
  out += path;
  return out;
}

}  // namespace so::adapters
