// net/web_assets.hpp — the web chat page's files (web/ in the source tree), embedded in the
// binary at build time so the server serves them from any working directory, offline.
//
// `embedded_web_assets` is defined by a source generated from web/ (cmake/WebAssets.cmake):
// `web/index.html` is served at "/", every other file at "/web/<name>". Nothing else is ever
// served from this table: a path is either one of these exact strings or not an asset.
// Thread-safety: immutable static data; safe from any thread.
#pragma once

#include <span>
#include <string_view>

namespace so::net {

struct web_asset {
  std::string_view path;          ///< "/" or "/web/<name>", exactly as requested
  std::string_view content_type;  ///< e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          ///< a strong ETag, quotes included (a hash of the bytes)
  std::string_view body;
};

/// Every embedded file (generated at build time).
std::span<const web_asset> embedded_web_assets();

/// The asset served at exactly `path` (no query, no decoding, no normalization), or null.
const web_asset* find_web_asset(std::string_view path);

}  // namespace so::net
