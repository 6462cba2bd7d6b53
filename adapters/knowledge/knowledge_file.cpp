// adapters/knowledge/knowledge_file.cpp — see knowledge_file.hpp.
#include "adapters/knowledge/knowledge_file.hpp"

#include "adapters/knowledge/unicode_text.hpp"
#include "protocol/json.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace so::adapters {

namespace {

/// Builds error messages "<label>: entry <i>: <problem>".
class entry_errors {
 public:
  entry_errors(std::string_view label, std::size_t index) : label_(label), index_(index) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::invalid_argument(std::string(label_) + ": entry " + std::to_string(index_) + ": " +
                                problem);
  }

 private:
  std::string_view label_;
  std::size_t index_;
};

/// The member, or nullptr when absent or JSON null (null means absent).
const rapidjson::Value* present(const rapidjson::Value& obj, const char* key) {
  const auto* v = protocol::get_member(obj, key);
  return (v == nullptr || v->IsNull()) ? nullptr : v;
}

std::string as_string(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

/// A required (or, with `required` false, optional) non-empty string member.
std::optional<std::string> non_empty_string(const rapidjson::Value& obj, const char* key,
                                            bool required, const entry_errors& err) {
  const auto* v = present(obj, key);
  if (v == nullptr) {
    if (required) err.fail(std::string("'") + key + "' must be a non-empty string");
    return std::nullopt;
  }
  if (!v->IsString() || v->GetStringLength() == 0) {
    err.fail(std::string("'") + key + "' must be a non-empty string");
  }
  return as_string(*v);
}

std::optional<std::string> optional_string(const rapidjson::Value& obj, const char* key,
                                           const entry_errors& err) {
  const auto* v = present(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) err.fail(std::string("'") + key + "' must be a string");
  return as_string(*v);
}

void add_set_name(std::vector<std::string>& sets, const rapidjson::Value& v) {
  const auto name = trim_unicode_whitespace(std::string_view(v.GetString(), v.GetStringLength()));
  if (!name.empty()) sets.emplace_back(name);
}

std::vector<std::string> document_sets(const rapidjson::Value& obj, const entry_errors& err) {
  std::vector<std::string> sets;
  const auto* v = present(obj, "documentSet");
  if (v == nullptr) return sets;
  constexpr const char* kProblem = "'documentSet' must be a string or an array of strings";
  if (v->IsString()) {
    add_set_name(sets, *v);
  } else if (v->IsArray()) {
    for (const auto& item : v->GetArray()) {
      if (!item.IsString()) err.fail(kProblem);
      add_set_name(sets, item);
    }
  } else {
    err.fail(kProblem);
  }
  return sets;
}

/// Reads an ACL string list; false when the member has the wrong shape.
bool read_string_list(const rapidjson::Value& acl, const char* key, std::vector<std::string>& out) {
  const auto* v = present(acl, key);
  if (v == nullptr) return true;
  if (!v->IsArray()) return false;
  for (const auto& item : v->GetArray()) {
    if (!item.IsString()) return false;
    out.push_back(as_string(item));
  }
  return true;
}

/// Fills doc.acl, or sets doc.acl_malformed (fail closed) when the shape is wrong.
void read_acl(const rapidjson::Value& obj, document& doc) {
  const auto* v = present(obj, "acl");
  if (v == nullptr) return;
  doc_acl acl;
  bool ok = v->IsObject();
  if (ok) {
    if (const auto* pub = present(*v, "public")) {
      if (pub->IsBool()) {
        acl.is_public = pub->GetBool();
      } else {
        ok = false;
      }
    }
    ok = ok && read_string_list(*v, "users", acl.users) &&
         read_string_list(*v, "groups", acl.groups);
  }
  if (ok) {
    doc.acl = std::move(acl);
  } else {
    doc.acl_malformed = true;
  }
}

document parse_entry(const rapidjson::Value& entry, const entry_errors& err) {
  if (!entry.IsObject()) err.fail("must be a JSON object");
  document doc;
  doc.source = *non_empty_string(entry, "source", true, err);
  doc.content = *non_empty_string(entry, "content", true, err);
  doc.id = non_empty_string(entry, "id", false, err).value_or(doc.source);
  doc.organization_id = non_empty_string(entry, "orgId", false, err).value_or(kDefaultKnowledgeOrg);
  doc.title = optional_string(entry, "title", err);
  doc.url = optional_string(entry, "url", err);
  doc.document_sets = document_sets(entry, err);
  read_acl(entry, doc);
  return doc;
}

}  // namespace

std::vector<document> parse_documents(std::string_view json, std::string_view origin_label) {
  const std::string label(origin_label);
  rapidjson::Document root;
  if (auto parsed = protocol::parse_untrusted(root, json); !parsed.ok) {
    throw std::invalid_argument(label + ": not valid JSON: " + parsed.error);
  }
  if (!root.IsArray()) throw std::invalid_argument(label + ": expected a JSON array of documents");
  std::vector<document> docs;
  docs.reserve(root.Size());
  std::size_t index = 0;
  for (const auto& entry : root.GetArray()) {
    docs.push_back(parse_entry(entry, entry_errors(label, index)));
    ++index;
  }
  return docs;
}

std::vector<document> load_documents_file(const std::string& path, std::string_view variable) {
  const std::string label = std::string(variable) + " " + path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::invalid_argument(label + ": is a directory, expected a JSON file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::invalid_argument(label + ": cannot open file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(label + ": cannot read file");
  return parse_documents(text.str(), label);
}

std::vector<document> seed_documents() {
  auto make = [](std::string source, std::string content) {
    document doc;
    doc.id = source;
    doc.source = std::move(source);
    doc.content = std::move(content);
    doc.organization_id = kDefaultKnowledgeOrg;
    doc.document_sets = {"policies"};
    return doc;
  };
  return {
      make("policies/returns.md",
           "SmooAI's return window is exactly 17 days from delivery. Returns after 17 days are "
           "not accepted."),
      make("policies/shipping.md",
           "SmooAI standard shipping takes 5 to 7 business days. Expedited shipping takes 2 "
           "business days."),
  };
}

}  // namespace so::adapters
