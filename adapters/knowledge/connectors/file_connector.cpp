// adapters/knowledge/connectors/file_connector.cpp — see file_connector.hpp.
#include "adapters/knowledge/connectors/file_connector.hpp"

#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace so::adapters::connectors {

namespace fs = std::filesystem;

namespace {

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// `p` resolved (symlinks followed where it exists), without throwing.
fs::path resolved(const fs::path& p) {
  std::error_code ec;
  auto r = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : r;
}

/// True when `p` is `root` or below it (both resolved, component-wise).
bool is_within(const fs::path& p, const fs::path& root) {
  auto pi = p.begin();
  for (auto ri = root.begin(); ri != root.end(); ++ri, ++pi) {
    if (ri->empty()) continue;  // a trailing separator of the root
    if (pi == p.end() || *pi != *ri) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> file_connector::default_extensions() {
  return {".txt", ".md", ".markdown", ".mdx", ".text"};
}

file_connector::file_connector(fs::path path, const connector_environment& env,
                               std::vector<std::string> extensions)
    : max_bytes_(env.file_max_bytes), max_count_(env.file_max_count) {
  for (auto& e : extensions) {
    e = lower_ascii(e);
    if (!e.empty() && e.front() != '.') e.insert(e.begin(), '.');
    extensions_.push_back(std::move(e));
  }
  if (path.empty()) throw connector_config_error("file connector config requires a 'path' field");
  if (env.file_root) {
    root_ = resolved(fs::absolute(*env.file_root));
    if (path.is_relative()) path = *env.file_root / path;
    if (!inside_root(path))
      throw connector_config_error("file connector path '" + path.string() +
                                   "' is outside SMOOTH_AGENT_FILE_CONNECTOR_ROOT");
  }
  path_ = std::move(path);
}

bool file_connector::inside_root(const fs::path& p) const {
  return !root_ || is_within(resolved(fs::absolute(p)), *root_);
}

bool file_connector::wanted(const fs::path& p) const {
  const auto ext = lower_ascii(p.extension().string());
  return std::find(extensions_.begin(), extensions_.end(), ext) != extensions_.end();
}

std::optional<raw_document> file_connector::read(const fs::path& p) const {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec)
    throw std::runtime_error("file connector: cannot read '" + p.string() + "': " + ec.message());
  if (size > max_bytes_) {
    spdlog::warn("file connector: '{}' is {} bytes, over the {}-byte limit; skipped", p.string(),
                 size, max_bytes_);
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("file connector: cannot open '" + p.string() + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw std::runtime_error("file connector: cannot read '" + p.string() + "'");

  raw_document d;
  d.id = p.string();
  d.source = "file";
  d.title = p.stem().string();
  d.content = protocol::repair_utf8(bytes.str());
  d.metadata["path"] = p.string();
  auto ext = p.extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  d.metadata["extension"] = ext;
  return d;
}

std::vector<raw_document> file_connector::pull(const std::optional<std::string>&) {
  std::error_code ec;
  const auto status = fs::status(path_, ec);
  if (ec || !fs::exists(status))
    throw std::runtime_error("file connector: '" + path_.string() + "' does not exist");
  // Re-checked at pull time: a symlink may have changed since the connector was built.
  if (!inside_root(path_))
    throw std::runtime_error("file connector: '" + path_.string() +
                             "' resolves outside SMOOTH_AGENT_FILE_CONNECTOR_ROOT");

  std::vector<raw_document> out;
  if (fs::is_regular_file(status)) {
    if (auto d = read(path_)) out.push_back(std::move(*d));
    return out;
  }
  if (!fs::is_directory(status))
    throw std::runtime_error("file connector: '" + path_.string() +
                             "' is neither a file nor a directory");

  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(path_, fs::directory_options::skip_permission_denied, ec);
  if (ec)
    throw std::runtime_error("file connector: cannot walk '" + path_.string() +
                             "': " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec)
      throw std::runtime_error("file connector: cannot walk '" + path_.string() +
                               "': " + ec.message());
    std::error_code fe;
    if (!it->is_regular_file(fe) || !wanted(it->path())) continue;
    if (!inside_root(it->path())) {
      spdlog::warn(
          "file connector: '{}' resolves outside SMOOTH_AGENT_FILE_CONNECTOR_ROOT; skipped",
          it->path().string());
      continue;
    }
    if (files.size() == max_count_)
      throw std::runtime_error("file connector: '" + path_.string() + "' holds more than " +
                               std::to_string(max_count_) + " files");
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    if (auto d = read(f)) out.push_back(std::move(*d));
  return out;
}

}  // namespace so::adapters::connectors
