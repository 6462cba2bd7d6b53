// net/admin_settings.cpp — `GET /admin/settings` (curator+, defaults when unset) and
// `PUT /admin/settings` (admin, full replacement; an omitted persona clears it),
// admin-auth.md §2.2, §5.2.
#include "net/admin_support.hpp"

namespace so::net::admin {

namespace {

using adapters::auth::role;
using adapters::tenant::agent_settings;

server_response settings_response(const agent_settings& st) {
  return json_response(200, write_json_text([&](protocol::json_writer& w) {
                         w.StartObject();
                         protocol::write_key(w, "settings");
                         w.StartObject();
                         protocol::write_key(w, "orgId");
                         protocol::write_string(w, st.org_id);
                         protocol::write_key(w, "model");
                         protocol::write_string(w, st.model);
                         protocol::write_key(w, "systemPrompt");
                         protocol::write_string(w, st.system_prompt);
                         protocol::write_key(w, "persona");  // always present
                         write_optional_string(w, st.persona);
                         protocol::write_key(w, "defaultTools");
                         w.StartArray();
                         for (const auto& t : st.default_tools) protocol::write_string(w, t);
                         w.EndArray();
                         protocol::write_key(w, "updatedAt");
                         protocol::write_string(w, protocol::to_rfc3339(st.updated_at));
                         w.EndObject();
                         w.EndObject();
                       }));
}

/// Fills `out` from the PUT body, or returns the 422 text.
std::optional<std::string> read_body(const rapidjson::Document& d, agent_settings& out) {
  if (!d.IsObject()) return "invalid type: expected a JSON object";
  const auto* model = protocol::get_member(d, "model");
  if (!model) return "missing field `model`";
  if (!model->IsString()) return "invalid type for `model`: expected a string";
  const auto* prompt = protocol::get_member(d, "systemPrompt");
  if (!prompt) return "missing field `systemPrompt`";
  if (!prompt->IsString()) return "invalid type for `systemPrompt`: expected a string";
  if (const auto* persona = protocol::get_member(d, "persona"); persona && !persona->IsNull()) {
    if (!persona->IsString()) return "invalid type for `persona`: expected a string or null";
    out.persona.emplace(persona->GetString(), persona->GetStringLength());
  }
  if (const auto* tools = protocol::get_member(d, "defaultTools")) {
    if (!tools->IsArray()) return "invalid type for `defaultTools`: expected an array of strings";
    for (const auto& t : tools->GetArray()) {
      if (!t.IsString()) return "invalid type for `defaultTools`: expected an array of strings";
      out.default_tools.emplace_back(t.GetString(), t.GetStringLength());
    }
  }
  out.model.assign(model->GetString(), model->GetStringLength());
  out.system_prompt.assign(prompt->GetString(), prompt->GetStringLength());
  return std::nullopt;
}

}  // namespace

void add_settings_routes(http_router& r, const services_ptr& s) {
  r.add({"GET", "/admin/settings", role::curator, body_kind::none,
         [s](route_call call, respond_fn respond) {
           const auto org = call.who->org_id;
           off_io(s, org, respond, [s, org] { return settings_response(s->settings->get(org)); });
         }});
  r.add({"PUT", "/admin/settings", role::admin, body_kind::json,
         [s](route_call call, respond_fn respond) {
           agent_settings st;
           if (auto bad = read_body(*call.json, st)) return respond(plain_response(422, *bad));
           st.org_id = call.who->org_id;
           st.updated_at = stored_now(*s);
           off_io(s, st.org_id, respond, [s, st] {
             s->settings->put(st);
             return settings_response(st);
           });
         }});
}

}  // namespace so::net::admin
