// adapters/knowledge/connectors/github_connector.hpp — the `github` connector
// (storage-backplane.md §11; admin-auth.md §2.2 `/index` step 2, §5.3) against the
// GitHub REST API at `api_url` (SMOOTH_AGENT_GITHUB_API_URL, default
// https://api.github.com; tests point it at a local fake).
//
// Config: `owner`, `repo` (required), `ref` (default: the repo's default branch),
// `visibility` ("private" exactly = private, anything else public), `auth_ref` (the
// NAME of an environment variable holding a token), `acl_groups` (array of strings).
// Building resolves the token (connector_config_error, the route's 400):
//  - `auth_ref` set and its variable non-blank → that token (sent as a bearer, never
//    logged, stored or returned);
//  - `auth_ref` set but unset/blank → "github connector auth_ref '<NAME>' did not resolve
//    to a token; refusing to index";
//  - no `auth_ref`: a public repo is read unauthenticated; a private one →
//    "github connector for a private repo requires an 'auth_ref' naming a token secret".
//
// A pull yields, in this order:
//  - files of the tree at `ref` (GET /repos/{o}/{r}/git/trees/{ref}?recursive=1, then each
//    file's raw contents): PROSE — README*, anything under docs/, *.md, *.mdx — and CODE
//    — an extension allow-list (kCodeExtensions) — up to 512 KiB per file (larger ones
//    skipped; at most kMaxFiles files in path order, the rest skipped and logged).
//    id `owner/repo@ref#path`, source = its github.com blob URL, title = path,
//    metadata kind (`doc`|`code`), repo, path, url. Files ignore `since`;
//  - issues and pull requests (GET /repos/{o}/{r}/issues?state=all&per_page=100, `since`
//    passed through when set, at most 10 pages; a page shorter than 100 is the last):
//    content = title, body and every comment (GET …/issues/{n}/comments, one page of
//    100), id `owner/repo#issue-<n>` or `#pr-<n>`, source = its html_url, metadata kind
//    (`issue`|`pr`), repo, number, url, updated_at, labels (comma list), state.
// A private repo stamps every document with ACL groups: `acl_groups`, else
// `github:<owner>/<repo>`. Public repos get none. A non-2xx answer or unparseable JSON
// fails the pull (the run fails).
//
// Thread-safety: see connector.hpp (pull blocks on the network).
#pragma once

#include "adapters/knowledge/connectors/connector.hpp"
#include "adapters/knowledge/connectors/http_getter.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::connectors {

struct github_source {
  std::string owner;
  std::string repo;
  std::optional<std::string> ref;
  bool is_private = false;
  std::optional<std::string> token;
  std::vector<std::string> acl_groups;  ///< private repos: empty = github:<owner>/<repo>
};

class github_connector final : public connector {
 public:
  static constexpr std::size_t kMaxPages = 10;
  static constexpr std::size_t kPerPage = 100;
  static constexpr std::uint64_t kMaxFileBytes = 512 * 1024;
  /// Files fetched per pass at most (in path order); the rest is skipped (logged).
  static constexpr std::size_t kMaxFiles = 5000;

  /// Throws connector_config_error when no getter is configured.
  github_connector(github_source source, std::string api_url,
                   std::shared_ptr<const http_getter> http);

  std::vector<raw_document> pull(const std::optional<std::string>& since) override;

 private:
  std::string get_json_text(const std::string& path_and_query, bool raw = false) const;

  github_source src_;
  std::string api_;  ///< without a trailing '/'
  std::shared_ptr<const http_getter> http_;
};

/// The source a stored config describes; `secret` resolves an auth_ref (the server:
/// the process environment). Throws connector_config_error (see the header).
github_source github_source_of(
    std::string_view config_json,
    const std::function<std::optional<std::string>(const std::string&)>& secret);

}  // namespace so::adapters::connectors
