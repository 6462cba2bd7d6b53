// adapters/knowledge/connectors/web_connector.hpp — the `web` connector
// (storage-backplane.md §11): one page, fetched through a web_fetcher (the SSRF guard
// on every hop, size cap, timeouts live there).
//
// One document: id = the configured URL, source `web`, title = the URL, metadata
// `url` (the configured URL), `final_url` (after redirects) and `content_type`.
// Content: HTML (by content type, else by sniffing the first 512 bytes) stripped to
// text, otherwise whitespace collapsed (html_text.hpp). `since` is ignored (§11).
// A page with no text yields a document with empty content (the pipeline skips it).
//
// Thread-safety: see connector.hpp (pull blocks on the network).
#pragma once

#include "adapters/knowledge/connectors/connector.hpp"
#include "adapters/knowledge/connectors/web_fetch.hpp"

#include <memory>
#include <string>

namespace so::adapters::connectors {

class web_connector final : public connector {
 public:
  /// Throws connector_config_error when `url` is not an http(s) URL or no fetcher is
  /// configured.
  web_connector(std::string url, std::shared_ptr<const web_fetcher> fetcher);

  std::vector<raw_document> pull(const std::optional<std::string>& since) override;

 private:
  std::string url_;
  std::shared_ptr<const web_fetcher> fetcher_;
};

}  // namespace so::adapters::connectors
