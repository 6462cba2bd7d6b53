// adapters/tools/tools_file.cpp — see tools_file.hpp.
#include "adapters/tools/tools_file.hpp"

#include "adapters/tools/fixed_result_tool.hpp"
#include "adapters/tools/webhook_tool.hpp"
#include "protocol/json.hpp"

#include <rapidjson/document.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace so::adapters::tools {
namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::uint64_t kMaxTimeoutMs = 3'600'000;
constexpr std::string_view kDefaultParameters = R"({"type":"object","properties":{}})";

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/// RFC 9110 token characters: what a header field name may contain.
bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    kExtra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

/// CR, LF or NUL in a value would let a config file smuggle extra headers.
bool valid_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

/// Builds the error prefix for one entry and throws with it.
class entry_errors {
 public:
  entry_errors(std::string_view label, std::size_t index) : label_(label), index_(index) {}
  void set_name(std::string name) { name_ = std::move(name); }
  [[noreturn]] void fail(const std::string& problem) const {
    std::string msg = std::string(label_) + ": entry " + std::to_string(index_);
    if (!name_.empty()) msg += " ('" + name_ + "')";
    throw std::invalid_argument(msg + ": " + problem);
  }

 private:
  std::string_view label_;
  std::size_t index_;
  std::string name_;
};

std::optional<std::string> optional_string(const rapidjson::Value& entry, const char* key,
                                           const entry_errors& err) {
  const auto* v = protocol::get_member(entry, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) err.fail(std::string("'") + key + "' must be a string");
  return std::string(v->GetString(), v->GetStringLength());
}

net::http_headers parse_headers(const rapidjson::Value& v, const entry_errors& err) {
  if (!v.IsObject()) err.fail("'headers' must be an object of strings");
  net::http_headers out;
  for (const auto& m : v.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!valid_header_name(name)) err.fail("header name '" + name + "' is not a valid token");
    if (!m.value.IsString()) err.fail("header '" + name + "' must be a string");
    std::string value(m.value.GetString(), m.value.GetStringLength());
    if (!valid_header_value(value)) {
      err.fail("header '" + name + "' must not contain CR, LF or NUL");
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

tool_ptr parse_entry(const rapidjson::Value& entry, std::string_view label, std::size_t index,
                     const net::http_client_ptr& http, std::size_t max_result_bytes,
                     std::set<std::string>& seen) {
  entry_errors err(label, index);
  if (!entry.IsObject()) err.fail("expected an object");

  const auto* name_v = protocol::get_member(entry, "name");
  if (name_v == nullptr || !name_v->IsString() || name_v->GetStringLength() == 0) {
    err.fail("'name' must be a non-empty string");
  }
  std::string name(name_v->GetString(), name_v->GetStringLength());
  err.set_name(name);
  if (!valid_name(name)) err.fail("'name' must match [A-Za-z0-9_-]{1,64}");
  if (!seen.insert(name).second) err.fail("duplicate tool name");

  static const std::set<std::string, std::less<>> kKnown = {
      "name", "description", "parameters", "result", "url", "headers", "timeoutMs"};
  for (const auto& m : entry.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (kKnown.find(key) == kKnown.end()) err.fail("unknown key '" + std::string(key) + "'");
  }

  llm::tool_spec spec;
  spec.name = name;
  spec.description = optional_string(entry, "description", err).value_or("");
  spec.parameters_json = std::string(kDefaultParameters);
  if (const auto* p = protocol::get_member(entry, "parameters")) {
    if (!p->IsObject()) err.fail("'parameters' must be a JSON object");
    spec.parameters_json = protocol::to_compact_json(*p);
  }
  spec.parameters_compact = true;  // compact object (or the default): not parsed again

  const auto* result = protocol::get_member(entry, "result");
  const auto* url = protocol::get_member(entry, "url");
  if ((result == nullptr) == (url == nullptr)) {
    err.fail("exactly one of 'result' or 'url' is required");
  }

  if (result != nullptr) {
    if (!result->IsString()) err.fail("'result' must be a string");
    for (const char* k : {"headers", "timeoutMs"}) {
      if (protocol::get_member(entry, k) != nullptr) {
        err.fail(std::string("'") + k + "' only applies to webhook tools (with 'url')");
      }
    }
    return std::make_shared<fixed_result_tool>(
        std::move(spec.name), std::string(result->GetString(), result->GetStringLength()),
        std::move(spec.description), std::move(spec.parameters_json));
  }

  if (!url->IsString()) err.fail("'url' must be a string");
  webhook_options opts;
  opts.max_result_bytes = max_result_bytes;
  opts.url.assign(url->GetString(), url->GetStringLength());
  const bool http_scheme = opts.url.rfind("http://", 0) == 0;
  const bool https_scheme = opts.url.rfind("https://", 0) == 0;
  if (!http_scheme && !https_scheme) err.fail("'url' must start with http:// or https://");
  if (opts.url.size() == (http_scheme ? 7u : 8u)) err.fail("'url' has no host");
  if (const auto* h = protocol::get_member(entry, "headers")) opts.headers = parse_headers(*h, err);
  if (const auto* t = protocol::get_member(entry, "timeoutMs")) {
    if (!t->IsUint64() || t->GetUint64() == 0 || t->GetUint64() > kMaxTimeoutMs) {
      err.fail("'timeoutMs' must be a positive integer (at most " + std::to_string(kMaxTimeoutMs) +
               ")");
    }
    opts.timeout = std::chrono::milliseconds(t->GetUint64());
  }
  if (!http) err.fail("webhook tools need an HTTP client");
  return std::make_shared<webhook_tool>(std::move(spec), std::move(opts), http);
}

}  // namespace

std::vector<tool_ptr> parse_tools(std::string_view json, std::string_view label,
                                  net::http_client_ptr http, std::size_t max_result_bytes) {
  rapidjson::Document doc;
  const auto parsed = protocol::parse_untrusted(doc, json);
  if (!parsed.ok) {
    throw std::invalid_argument(std::string(label) + ": invalid JSON: " + parsed.error);
  }
  if (!doc.IsArray()) {
    throw std::invalid_argument(std::string(label) + ": expected a JSON array of tool definitions");
  }
  std::vector<tool_ptr> out;
  std::set<std::string> seen;
  std::size_t index = 0;
  for (const auto& entry : doc.GetArray()) {
    out.push_back(parse_entry(entry, label, index++, http, max_result_bytes, seen));
  }
  return out;
}

std::vector<tool_ptr> load_tools_file(const std::string& path, net::http_client_ptr http,
                                      std::size_t max_result_bytes) {
  const std::string label = "SMOOTH_AGENT_TOOLS_FILE " + path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::invalid_argument(label + ": cannot open: " + std::generic_category().message(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(label + ": cannot read");
  return parse_tools(text.str(), label, std::move(http), max_result_bytes);
}

}  // namespace so::adapters::tools
