// adapters/knowledge/connectors/file_connector.hpp — the `file` connector
// (storage-backplane.md §11): a path on the SERVER's filesystem.
//
// - A file is read whatever its extension. A directory is walked recursively for the
//   extensions (default .txt .md .markdown .mdx .text, case-insensitive; config
//   `extensions` may replace the list), in sorted path order.
// - One document per file: id = the path (as given, joined with the walked relative
//   path), source `file`, title = the file stem, metadata `path`, `extension`
//   (without the dot, as written). Content is decoded lossily (invalid UTF-8 → U+FFFD).
// - With a root (SMOOTH_AGENT_FILE_CONNECTOR_ROOT), the configured path and every file
//   of a walk must resolve inside it, symlinks followed: the configured path is
//   refused when built (connector_config_error), a walked file escaping through a
//   symlink is skipped (logged).
// - Files over env.file_max_bytes are skipped (logged); a walk meeting more than
//   env.file_max_count files fails the pull. A missing path fails the pull.
// `since` is ignored (§11).
//
// Thread-safety: see connector.hpp (pull blocks on the filesystem).
#pragma once

#include "adapters/knowledge/connectors/connector.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace so::adapters::connectors {

class file_connector final : public connector {
 public:
  static std::vector<std::string> default_extensions();

  /// Throws connector_config_error for a path outside env.file_root.
  file_connector(std::filesystem::path path, const connector_environment& env,
                 std::vector<std::string> extensions = default_extensions());

  std::vector<raw_document> pull(const std::optional<std::string>& since) override;

  const std::filesystem::path& path() const { return path_; }

 private:
  bool inside_root(const std::filesystem::path& p) const;
  bool wanted(const std::filesystem::path& p) const;
  std::optional<raw_document> read(const std::filesystem::path& p) const;

  std::filesystem::path path_;
  std::optional<std::filesystem::path> root_;  ///< canonical
  std::uint64_t max_bytes_;
  std::size_t max_count_;
  std::vector<std::string> extensions_;  ///< lower-case, with the dot
};

}  // namespace so::adapters::connectors
