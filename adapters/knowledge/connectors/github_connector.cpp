// adapters/knowledge/connectors/github_connector.cpp — see github_connector.hpp.
#include "adapters/knowledge/connectors/github_connector.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace so::adapters::connectors {

namespace {

constexpr std::string_view kCodeExtensions[] = {
    ".c",     ".cc",  ".cpp", ".cxx",  ".h",    ".hh",  ".hpp",   ".py",  ".rs", ".go",
    ".js",    ".jsx", ".ts",  ".tsx",  ".java", ".kt",  ".rb",    ".php", ".cs", ".swift",
    ".scala", ".sh",  ".sql", ".toml", ".yaml", ".yml", ".proto", ".txt", ".rst"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

/// "doc", "code" or "" (not indexed) for a tree path.
std::string file_kind(const std::string& path) {
  const auto slash = path.rfind('/');
  const auto name = lower(slash == std::string::npos ? path : path.substr(slash + 1));
  const auto dot = name.rfind('.');
  const auto ext = dot == std::string::npos ? std::string() : name.substr(dot);
  if (name.rfind("readme", 0) == 0 || lower(path).rfind("docs/", 0) == 0 || ext == ".md" ||
      ext == ".mdx")
    return "doc";
  if (std::find(std::begin(kCodeExtensions), std::end(kCodeExtensions), ext) !=
      std::end(kCodeExtensions))
    return "code";
  return "";
}

/// Percent-encodes a path for a URL, keeping '/'.
std::string encode_path(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string string_of(const rapidjson::Value& obj, const char* key) {
  return protocol::get_string(obj, key).value_or("");
}

}  // namespace

github_source github_source_of(
    std::string_view config_json,
    const std::function<std::optional<std::string>(const std::string&)>& secret) {
  rapidjson::Document c;
  if (!protocol::parse_untrusted(c, config_json).ok || !c.IsObject())
    throw connector_config_error("github connector config requires a 'owner' field");
  github_source s;
  const auto owner = protocol::get_string(c, "owner");
  if (!owner) throw connector_config_error("github connector config requires a 'owner' field");
  const auto repo = protocol::get_string(c, "repo");
  if (!repo) throw connector_config_error("github connector config requires a 'repo' field");
  s.owner = *owner;
  s.repo = *repo;
  if (auto ref = protocol::get_string(c, "ref"); ref && !trim(*ref).empty()) s.ref = trim(*ref);
  s.is_private = protocol::get_string(c, "visibility") == std::optional<std::string>("private");
  if (const auto* groups = protocol::get_member(c, "acl_groups"); groups && groups->IsArray())
    for (const auto& g : groups->GetArray())
      if (g.IsString()) s.acl_groups.emplace_back(g.GetString(), g.GetStringLength());
  if (const auto name = tenant::auth_ref_of(config_json)) {
    auto value = secret ? secret(*name) : std::nullopt;
    if (!value || trim(*value).empty())
      throw connector_config_error("github connector auth_ref '" + *name +
                                   "' did not resolve to a token (the variable is unset or "
                                   "blank); refusing to index");
    s.token = trim(*value);
  } else if (s.is_private) {
    throw connector_config_error(
        "github connector for a private repo requires an 'auth_ref' naming a token secret");
  }
  return s;
}

github_connector::github_connector(github_source source, std::string api_url,
                                   std::shared_ptr<const http_getter> http)
    : src_(std::move(source)), api_(std::move(api_url)), http_(std::move(http)) {
  while (!api_.empty() && api_.back() == '/') api_.pop_back();
  if (!http_) throw connector_config_error("github connectors are not available in this server");
}

std::string github_connector::get_json_text(const std::string& path_and_query, bool raw) const {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Accept", raw ? "application/vnd.github.raw" : "application/vnd.github+json"},
      {"User-Agent", "smooth-operator-indexer"},
      {"X-GitHub-Api-Version", "2022-11-28"}};
  if (src_.token) headers.emplace_back("Authorization", "Bearer " + *src_.token);
  const auto r = http_->get(api_ + path_and_query, headers);
  if (r.status < 200 || r.status > 299)
    throw std::runtime_error("github: GET " + path_and_query + ": HTTP " +
                             std::to_string(r.status));
  return r.body;
}

std::vector<raw_document> github_connector::pull(const std::optional<std::string>& since) {
  const std::string repo_path = "/repos/" + encode_path(src_.owner) + "/" + encode_path(src_.repo);
  const std::string full = src_.owner + "/" + src_.repo;
  const auto parse = [](const std::string& text, const std::string& what) {
    rapidjson::Document d;
    if (auto r = protocol::parse_untrusted(d, text); !r.ok)
      throw std::runtime_error("github: " + what + ": invalid JSON (" + r.error + ")");
    return d;
  };

  std::string ref;
  if (src_.ref) {
    ref = *src_.ref;
  } else {
    const auto info = parse(get_json_text(repo_path), "repository");
    ref = info.IsObject() ? string_of(info, "default_branch") : "";
    if (ref.empty()) throw std::runtime_error("github: the repository has no default_branch");
  }

  std::vector<raw_document> out;
  const auto tree =
      parse(get_json_text(repo_path + "/git/trees/" + encode_path(ref) + "?recursive=1"), "tree");
  const auto* entries = tree.IsObject() ? protocol::get_member(tree, "tree") : nullptr;
  if (!entries || !entries->IsArray()) throw std::runtime_error("github: the tree has no entries");
  std::vector<std::pair<std::string, std::string>> files;  // (path, kind)
  for (const auto& e : entries->GetArray()) {
    if (!e.IsObject() || string_of(e, "type") != "blob") continue;
    const auto path = string_of(e, "path");
    const auto kind = file_kind(path);
    if (kind.empty()) continue;
    if (const auto* size = protocol::get_member(e, "size");
        size && size->IsUint64() && size->GetUint64() > kMaxFileBytes) {
      spdlog::info("github connector: {}@{}#{} is over {} bytes; skipped", full, ref, path,
                   kMaxFileBytes);
      continue;
    }
    files.emplace_back(path, kind);
  }
  std::sort(files.begin(), files.end());
  if (files.size() > kMaxFiles) {
    spdlog::warn("github connector: {}@{} has {} indexable files; only the first {} are indexed",
                 full, ref, files.size(), kMaxFiles);
    files.resize(kMaxFiles);
  }
  for (const auto& [path, kind] : files) {
    raw_document d;
    d.id = full + "@" + ref + "#" + path;
    const auto url = "https://github.com/" + full + "/blob/" + ref + "/" + path;
    d.source = url;
    d.title = path;
    d.content = protocol::repair_utf8(get_json_text(
        repo_path + "/contents/" + encode_path(path) + "?ref=" + encode_path(ref), true));
    d.metadata = {{"kind", kind}, {"repo", full}, {"path", path}, {"url", url}};
    out.push_back(std::move(d));
  }

  for (std::size_t page = 1; page <= kMaxPages; ++page) {
    std::string q = repo_path + "/issues?state=all&per_page=" + std::to_string(kPerPage) +
                    "&page=" + std::to_string(page);
    if (since) q += "&since=" + encode_path(*since);
    const auto issues = parse(get_json_text(q), "issues");
    if (!issues.IsArray()) throw std::runtime_error("github: issues: not an array");
    for (const auto& i : issues.GetArray()) {
      if (!i.IsObject()) continue;
      const auto* number = protocol::get_member(i, "number");
      if (!number || !number->IsUint64()) continue;
      const auto n = std::to_string(number->GetUint64());
      const bool pr = protocol::get_member(i, "pull_request") != nullptr;
      raw_document d;
      d.id = full + "#" + (pr ? "pr-" : "issue-") + n;
      d.source = string_of(i, "html_url");
      d.title = string_of(i, "title");
      d.content = string_of(i, "title") + "\n\n" + string_of(i, "body");
      const auto* comments = protocol::get_member(i, "comments");
      if (comments && comments->IsUint64() && comments->GetUint64() > 0) {
        const auto cs = parse(get_json_text(repo_path + "/issues/" + n +
                                            "/comments?per_page=" + std::to_string(kPerPage)),
                              "comments");
        if (cs.IsArray())
          for (const auto& c : cs.GetArray())
            if (c.IsObject()) d.content += "\n\n" + string_of(c, "body");
      }
      std::string labels;
      if (const auto* ls = protocol::get_member(i, "labels"); ls && ls->IsArray())
        for (const auto& l : ls->GetArray()) {
          const auto name = l.IsObject() ? string_of(l, "name") : std::string();
          if (name.empty()) continue;
          if (!labels.empty()) labels += ',';
          labels += name;
        }
      d.metadata = {{"kind", pr ? "pr" : "issue"},
                    {"repo", full},
                    {"number", n},
                    {"url", d.source},
                    {"updated_at", string_of(i, "updated_at")},
                    {"labels", labels},
                    {"state", string_of(i, "state")}};
      out.push_back(std::move(d));
    }
    if (issues.GetArray().Size() < kPerPage) break;
  }

  if (src_.is_private) {
    const std::vector<std::string> groups =
        src_.acl_groups.empty() ? std::vector<std::string>{"github:" + full} : src_.acl_groups;
    for (auto& d : out) d.acl = groups;
  }
  return out;
}

}  // namespace so::adapters::connectors
