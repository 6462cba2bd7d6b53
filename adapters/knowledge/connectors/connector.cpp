// adapters/knowledge/connectors/connector.cpp — make_connector (see connector.hpp).
#include "adapters/knowledge/connectors/connector.hpp"

#include "adapters/knowledge/connectors/file_connector.hpp"
#include "adapters/knowledge/connectors/github_connector.hpp"
#include "adapters/knowledge/connectors/web_connector.hpp"
#include "protocol/json.hpp"

namespace so::adapters::connectors {

namespace {

std::string required(const rapidjson::Value& config, const std::string& kind, const char* field) {
  auto v = config.IsObject() ? protocol::get_string(config, field) : std::nullopt;
  if (!v) throw connector_config_error(kind + " connector config requires a '" + field + "' field");
  return *v;
}

/// An optional array of strings (`extensions`); none when absent.
std::optional<std::vector<std::string>> string_list(const rapidjson::Value& config,
                                                    const std::string& kind, const char* field) {
  const auto* v = config.IsObject() ? protocol::get_member(config, field) : nullptr;
  if (!v || v->IsNull()) return std::nullopt;
  const auto bad = [&] {
    return connector_config_error(kind + " connector config field '" + field +
                                  "' must be an array of strings");
  };
  if (!v->IsArray()) throw bad();
  std::vector<std::string> out;
  for (const auto& e : v->GetArray()) {
    if (!e.IsString()) throw bad();
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

}  // namespace

connector_ptr make_connector(const tenant::connector_config& c, const connector_environment& env) {
  rapidjson::Document config;
  if (!protocol::parse_untrusted(config, c.config_json).ok) config.SetNull();
  const auto kind = tenant::normalize_connector_kind(c.kind);
  if (!kind.ok) throw connector_config_error("unknown connector kind '" + kind.normalized + "'");

  if (kind.normalized == "file") {
    auto path = required(config, kind.normalized, "path");
    auto exts = string_list(config, kind.normalized, "extensions");
    return std::make_unique<file_connector>(
        std::move(path), env, exts ? std::move(*exts) : file_connector::default_extensions());
  }
  if (kind.normalized == "web") {
    return std::make_unique<web_connector>(required(config, kind.normalized, "url"), env.web);
  }
  required(config, kind.normalized, "owner");
  required(config, kind.normalized, "repo");
  return std::make_unique<github_connector>(github_source_of(c.config_json, env.secret),
                                            env.github_api_url, env.api_http);
}

}  // namespace so::adapters::connectors
