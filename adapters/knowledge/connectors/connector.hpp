// adapters/knowledge/connectors/connector.hpp — the connector seam of the indexing
// pipeline (storage-backplane.md §11 "RawDocument", "Connectors"; admin-auth.md §2.2
// `POST /admin/connectors/{id}/index`, §5.3).
//
// A connector is built from a stored connector config (`make_connector`) and then
// pulled once per indexing pass. Building never touches the network or reads a
// document: it validates the config and resolves what it names (a file path against
// SMOOTH_AGENT_FILE_CONNECTOR_ROOT, an `auth_ref` token), and a bad config throws
// `connector_config_error` (the admin route's 400). `pull` reads the source and
// returns every document it yields; any exception it throws is a SOURCE failure
// (the pass is recorded as a failed run, never an HTTP error).
//
// Kinds: file (file_connector.hpp), web (web_connector.hpp), github
// (github_connector.hpp).
//
// Thread-safety: a connector is used by one thread at a time. `pull` MAY BLOCK (files,
// the network): call it only on the storage pool's indexing worker, never on an io
// thread. The environment is immutable and shared.
#pragma once

#include "adapters/knowledge/connectors/http_getter.hpp"
#include "adapters/knowledge/connectors/web_fetch.hpp"
#include "adapters/tenant/connector_config_store.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace so::adapters::connectors {

/// One document a connector yields (§11 "RawDocument").
struct raw_document {
  std::string id;      ///< stable per source: a path, a URL, `owner/repo#issue-1`
  std::string source;  ///< the connector kind (`file`, `web`) or the document's URL
  std::optional<std::string> title;
  std::string content;  ///< valid UTF-8
  /// Free-form; `updated_at` (RFC 3339) feeds the run cursor, `document_set` and
  /// `boost` override the run-level ones.
  std::map<std::string, std::string> metadata;
  /// ACL labels: each becomes a group of the document's ACL. Empty = no ACL
  /// (org-public).
  std::vector<std::string> acl;
};

/// A config the connector cannot be built from (HTTP 400 VALIDATION_ERROR).
class connector_config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class connector {
 public:
  virtual ~connector() = default;
  /// Every document of the source, newer than `since` (an RFC 3339 cursor) where the
  /// kind supports it (file and web ignore it). Throws on a source failure.
  virtual std::vector<raw_document> pull(const std::optional<std::string>& since) = 0;
};

using connector_ptr = std::unique_ptr<connector>;

/// What building a connector may use (from the server config, immutable).
struct connector_environment {
  /// SMOOTH_AGENT_FILE_CONNECTOR_ROOT: when set, a file connector's path must resolve
  /// (symlinks followed) inside it, and a relative path is taken relative to it.
  std::optional<std::filesystem::path> file_root;
  /// Larger files are skipped (logged): a pass never loads an unbounded file.
  std::uint64_t file_max_bytes = 5u * 1024u * 1024u;
  /// At most this many files per pass; a larger tree fails the pass.
  std::size_t file_max_count = 10000;
  /// The web connector's HTTP (SSRF guard, size cap, timeouts inside); null = web
  /// connectors cannot be built (400).
  std::shared_ptr<const web_fetcher> web;
  /// The github connector's API base (SMOOTH_AGENT_GITHUB_API_URL) and its HTTP (a
  /// trusted endpoint: no SSRF guard); null getter = github connectors cannot be built.
  std::string github_api_url = "https://api.github.com";
  std::shared_ptr<const http_getter> api_http;
  /// Resolves an `auth_ref` NAME to its secret value (the server: the process
  /// environment); null = nothing resolves.
  std::function<std::optional<std::string>(const std::string& name)> secret;
};

/// Builds the connector a stored config describes. Throws connector_config_error.
connector_ptr make_connector(const tenant::connector_config& config,
                             const connector_environment& env);

}  // namespace so::adapters::connectors
