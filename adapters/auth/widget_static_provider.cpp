// adapters/auth/widget_static_provider.cpp — see widget_static_provider.hpp (and the
// permissive provider of widget_policy_provider.hpp, the static map's empty case).
#include "adapters/auth/widget_static_provider.hpp"

#include "protocol/json.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace so::adapters::auth {

namespace {

class permissive_provider final : public widget_policy_provider {
 public:
  std::string label() const override { return "permissive"; }
  std::optional<widget_lookup> lookup_now(const std::string&) const override {
    return widget_lookup{};
  }
  void lookup(const std::string&, std::function<void(widget_lookup)> done) const override {
    done(std::nullopt);
  }
};

class static_provider final : public widget_policy_provider {
 public:
  explicit static_provider(widget_policy_map policies) : policies_(std::move(policies)) {}
  std::string label() const override { return "static"; }
  std::optional<widget_lookup> lookup_now(const std::string& agent_id) const override {
    const auto it = policies_.find(agent_id);
    return it == policies_.end() ? widget_lookup{} : widget_lookup{it->second};
  }
  void lookup(const std::string& agent_id, std::function<void(widget_lookup)> done) const override {
    done(*lookup_now(agent_id));
  }

 private:
  const widget_policy_map policies_;
};

std::runtime_error bad(const std::string& what) {
  return std::runtime_error(std::string(widget_policies_file_var) + ": " + what);
}

}  // namespace

widget_policy_provider_ptr make_permissive_widget_provider() {
  return std::make_shared<permissive_provider>();
}

widget_policy_map parse_widget_policies(std::string_view json) {
  rapidjson::Document doc;
  if (auto r = protocol::parse_untrusted(doc, json); !r.ok) throw bad("invalid JSON: " + r.error);
  if (!doc.IsObject())
    throw bad(
        "expected a JSON object of agentId → policy, e.g. "
        "{\"agent-1\":{\"allowed_origins\":[\"https://example.com\"]}}");
  widget_policy_map out;
  for (const auto& m : doc.GetObject()) {
    std::string agent(m.name.GetString(), m.name.GetStringLength());
    auto p = widget_policy_from_json(m.value);
    if (auto* err = std::get_if<std::string>(&p)) throw bad("agent '" + agent + "': " + *err);
    out.insert_or_assign(std::move(agent), std::get<widget_policy>(std::move(p)));
  }
  return out;
}

widget_policy_map load_widget_policies_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw bad("cannot read '" + path + "'");
  try {
    return parse_widget_policies(text.str());
  } catch (const std::runtime_error& e) {
    // Name the file too: "SMOOTH_AGENT_WIDGET_POLICIES_FILE: '<path>': <reason>".
    std::string what = e.what();
    const std::string prefix = std::string(widget_policies_file_var) + ": ";
    if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
    throw bad("'" + path + "': " + what);
  }
}

widget_policy_provider_ptr make_static_widget_provider(widget_policy_map policies) {
  return std::make_shared<static_provider>(std::move(policies));
}

}  // namespace so::adapters::auth
