// net/admin_connectors.cpp — connector CRUD (admin-auth.md §2.2, §5.3): list and get
// (curator+), create, replace and delete (admin). `config` is stored and echoed
// verbatim; an `auth_ref` in it names a secret and is never resolved here.
#include "net/admin_support.hpp"
#include "protocol/ids.hpp"

namespace so::net::admin {

namespace {

using adapters::auth::role;
using adapters::tenant::connector_config;

/// The body of POST and PUT, after the framework-level checks (422 on failure).
struct connector_body {
  std::string name;
  std::string kind;
  std::string config_json = "null";
  bool enabled = true;
};

/// Fills `out` or returns the 422 text.
std::optional<std::string> read_body(const rapidjson::Document& d, connector_body& out) {
  if (!d.IsObject()) return "invalid type: expected a JSON object";
  const auto* name = protocol::get_member(d, "name");
  if (!name) return "missing field `name`";
  if (!name->IsString()) return "invalid type for `name`: expected a string";
  const auto* kind = protocol::get_member(d, "kind");
  if (!kind) return "missing field `kind`";
  if (!kind->IsString()) return "invalid type for `kind`: expected a string";
  if (const auto* enabled = protocol::get_member(d, "enabled")) {
    if (!enabled->IsBool()) return "invalid type for `enabled`: expected a boolean";
    out.enabled = enabled->GetBool();
  }
  if (const auto* config = protocol::get_member(d, "config"))
    out.config_json = protocol::to_compact_json(*config);
  out.name.assign(name->GetString(), name->GetStringLength());
  out.kind.assign(kind->GetString(), kind->GetStringLength());
  return std::nullopt;
}

/// Kind and per-kind config validation (400 VALIDATION_ERROR): the normalized kind,
/// or the message.
struct validation {
  std::string kind;
  std::optional<std::string> error;
};
validation validate(const connector_body& b) {
  validation v;
  const auto k = adapters::tenant::normalize_connector_kind(b.kind);
  v.kind = k.normalized;
  if (!k.ok) {
    v.error = "unknown connector kind '" + k.normalized + "'";
    return v;
  }
  rapidjson::Document config;
  const bool object = protocol::parse_untrusted(config, b.config_json).ok && config.IsObject();
  for (const auto& field : adapters::tenant::required_config_fields(k.normalized)) {
    if (!object || !protocol::get_string(config, field.c_str())) {
      v.error = k.normalized + " connector config requires a '" + field + "' field";
      return v;
    }
  }
  return v;
}

std::string connector_json(const connector_config& c) {
  return write_json_text([&](protocol::json_writer& w) {
    w.StartObject();
    protocol::write_key(w, "id");
    protocol::write_string(w, c.id);
    protocol::write_key(w, "name");
    protocol::write_string(w, c.name);
    protocol::write_key(w, "kind");
    protocol::write_string(w, c.kind);
    protocol::write_key(w, "config");
    protocol::write_raw(w, c.config_json, rapidjson::kObjectType);
    protocol::write_key(w, "enabled");
    w.Bool(c.enabled);
    protocol::write_key(w, "createdAt");
    protocol::write_string(w, protocol::to_rfc3339(c.created_at));
    protocol::write_key(w, "updatedAt");
    protocol::write_string(w, protocol::to_rfc3339(c.updated_at));
    w.EndObject();
  });
}

server_response one(int status, const connector_config& c) {
  return json_response(status, R"({"connector":)" + connector_json(c) + "}");
}

server_response not_found(const admin_services& s, const std::string& id) {
  return envelope(s, 404, "NOT_FOUND", "connector '" + id + "' not found");
}

void list(const services_ptr& s, route_call call, respond_fn respond) {
  const auto org = call.who->org_id;
  off_io(s, org, respond, [s, org] {
    const auto rows = s->connectors->list(org);
    std::string body = R"({"connectors":[)";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i) body += ',';
      body += connector_json(rows[i]);
    }
    body += "]}";
    return json_response(200, std::move(body));
  });
}

void get(const services_ptr& s, route_call call, respond_fn respond) {
  const auto org = call.who->org_id;
  auto id = std::move(call.params.at(0));
  off_io(s, org, respond, [s, org, id] {
    auto c = s->connectors->get(org, id);
    return c ? one(200, *c) : not_found(*s, id);
  });
}

void create(const services_ptr& s, route_call call, respond_fn respond) {
  connector_body b;
  if (auto bad = read_body(*call.json, b)) return respond(plain_response(422, *bad));
  const auto v = validate(b);
  if (v.error) return respond(envelope(*s, 400, "VALIDATION_ERROR", *v.error));
  connector_config c;
  c.id = protocol::new_uuid_v4();
  c.org_id = call.who->org_id;
  c.name = std::move(b.name);
  c.kind = v.kind;
  c.config_json = std::move(b.config_json);
  c.enabled = b.enabled;
  c.created_at = c.updated_at = stored_now(*s);
  off_io(s, c.org_id, respond, [s, c] {
    s->connectors->upsert(c);
    s->runs->record_connector_name(c.org_id, c.name);
    return one(201, c);
  });
}

void replace(const services_ptr& s, route_call call, respond_fn respond) {
  connector_body b;
  if (auto bad = read_body(*call.json, b)) return respond(plain_response(422, *bad));
  const auto org = call.who->org_id;
  auto id = std::move(call.params.at(0));
  off_io(s, org, respond, [s, org, id, b = std::move(b)] {
    auto existing = s->connectors->get(org, id);  // existence before validation (§2.2)
    if (!existing) return not_found(*s, id);
    const auto v = validate(b);
    if (v.error) return envelope(*s, 400, "VALIDATION_ERROR", *v.error);
    auto c = std::move(*existing);
    c.name = b.name;
    c.kind = v.kind;
    c.config_json = b.config_json;
    c.enabled = b.enabled;
    c.updated_at = stored_now(*s);
    s->connectors->upsert(c);
    s->runs->record_connector_name(org, c.name);  // the old name stays recorded
    return one(200, c);
  });
}

void remove(const services_ptr& s, route_call call, respond_fn respond) {
  const auto org = call.who->org_id;
  auto id = std::move(call.params.at(0));
  off_io(s, org, respond, [s, org, id] {
    if (!s->connectors->remove(org, id)) return not_found(*s, id);
    server_response r;
    r.status = 204;
    return r;
  });
}

template <void (*Fn)(const services_ptr&, route_call, respond_fn)>
route_handler bind(const services_ptr& s) {
  return [s](route_call call, respond_fn respond) { Fn(s, std::move(call), std::move(respond)); };
}

}  // namespace

void add_connector_routes(http_router& r, const services_ptr& s) {
  r.add({"GET", "/admin/connectors", role::curator, body_kind::none, bind<list>(s)});
  r.add({"POST", "/admin/connectors", role::admin, body_kind::json, bind<create>(s)});
  r.add({"GET", "/admin/connectors/{id}", role::curator, body_kind::none, bind<get>(s)});
  r.add({"PUT", "/admin/connectors/{id}", role::admin, body_kind::json, bind<replace>(s)});
  r.add({"DELETE", "/admin/connectors/{id}", role::admin, body_kind::none, bind<remove>(s)});
}

}  // namespace so::net::admin
