// net/admin_publish.cpp — `POST /admin/publish` (admin): delivers `event` verbatim to
// the local connections associated with the target, restricted to the caller's org
// (decisions.md: a connection's org is its principal's, else its sessions'), and
// answers `{"delivered":n}` (admin-auth.md §2.2).
#include "net/admin_support.hpp"

namespace so::net::admin {

namespace {

using adapters::auth::role;

bool known_kind(const std::string& k) {
  return k == "connection" || k == "session" || k == "user" || k == "org" || k == "agent";
}

}  // namespace

void add_publish_route(http_router& r, const services_ptr& s) {
  r.add({"POST", "/admin/publish", role::admin, body_kind::json,
         [s](route_call call, respond_fn respond) {
           const auto& d = *call.json;
           if (!d.IsObject()) return respond(plain_response(422, "expected a JSON object"));
           const auto* target = protocol::get_member(d, "target");
           if (!target || !target->IsObject())
             return respond(plain_response(422, "missing or invalid field `target`"));
           const auto* event = protocol::get_member(d, "event");
           if (!event) return respond(plain_response(422, "missing field `event`"));
           auto kind = protocol::get_string(*target, "type");
           if (!kind || !known_kind(*kind))
             return respond(plain_response(
                 422, "target.type must be one of connection, session, user, org, agent"));
           auto id = protocol::get_string(*target, "id");
           if (!id) return respond(plain_response(422, "missing or invalid field `target.id`"));
           if (!s->publish) return respond(json_response(200, R"({"delivered":0})"));
           s->publish(
               *kind, *id, call.who->org_id, protocol::to_compact_json(*event),
               [s, respond](std::optional<std::size_t> n) {
                 if (!n)
                   return respond(envelope(*s, 500, "INTERNAL_ERROR", "publish failed: backplane"));
                 respond(json_response(200, R"({"delivered":)" + std::to_string(*n) + "}"));
               });
         }});
}

}  // namespace so::net::admin
