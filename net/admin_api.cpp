// net/admin_api.cpp — route registration, and the three routes that touch no store:
// `/admin/health`, `/admin/me`, `/admin/model-costs`.
#include "net/admin_api.hpp"

#include "net/admin_model_costs.hpp"
#include "net/admin_support.hpp"

namespace so::net {

namespace {

using adapters::auth::role;

std::string principal_json(const adapters::auth::principal& p) {
  return admin::write_json_text([&](protocol::json_writer& w) {
    w.StartObject();
    protocol::write_key(w, "userId");
    protocol::write_string(w, p.user_id);
    protocol::write_key(w, "orgId");
    protocol::write_string(w, p.org_id);
    protocol::write_key(w, "role");
    protocol::write_string(w, adapters::auth::role_name(p.user_role));
    if (p.display_name) {
      protocol::write_key(w, "displayName");
      protocol::write_string(w, *p.display_name);
    }
    if (!p.groups.empty()) {
      protocol::write_key(w, "groups");
      w.StartArray();
      for (const auto& g : p.groups) protocol::write_string(w, g);
      w.EndArray();
    }
    if (p.email) {
      protocol::write_key(w, "email");
      protocol::write_string(w, *p.email);
    }
    w.EndObject();
  });
}

}  // namespace

void add_admin_routes(http_router& router, std::shared_ptr<const admin_services> services) {
  const admin::services_ptr s = std::move(services);

  router.add(
      {"GET", "/admin/health", std::nullopt, body_kind::none,
       [](route_call, respond_fn respond) { respond(json_response(200, R"({"status":"ok"})")); }});
  router.add(
      {"GET", "/admin/me", role::basic, body_kind::none, [](route_call call, respond_fn respond) {
         respond(json_response(200, principal_json(*call.who)));
       }});
  // Ungated (admin-auth.md §9): prices are not tenant data.
  router.add({"GET", "/admin/model-costs", std::nullopt, body_kind::none,
              [s](route_call, respond_fn respond) {
                if (!s->model_costs) return respond(json_response(200, "{}"));
                s->model_costs->get(
                    [respond](std::string json) { respond(json_response(200, std::move(json))); });
              }});

  admin::add_conversation_routes(router, s);
  admin::add_indexing_routes(router, s);
  admin::add_index_route(router, s);
  admin::add_connector_routes(router, s);
  admin::add_settings_routes(router, s);
  admin::add_publish_route(router, s);
}

}  // namespace so::net
