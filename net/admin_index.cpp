// net/admin_index.cpp — `POST /admin/connectors/{id}/index` (curator+; admin-auth.md
// §2.2, §5.5–§5.6; storage-backplane.md §11).
//
// The body is ignored. One job on the indexing worker (`run_indexing`, never an io
// thread): load the caller's org's connector (404 `connector '<id>' not found`), build
// its source from the config (connector_config_error → 400 VALIDATION_ERROR; nothing
// is read before this), run one incremental pass for the caller's org under the
// org-scoped key of the connector's name, and answer 200 `{"run":…}` — also when the
// source failed (status "failed", `error` set). Anything else thrown → 500
// INTERNAL_ERROR `indexing failed: …`. A refused job (busy, deadline) → 503 with the
// pool's code. A disabled connector is indexed all the same.
#include "adapters/knowledge/indexing_pass.hpp"
#include "net/admin_support.hpp"

namespace so::net::admin {

using adapters::auth::role;

void add_index_route(http_router& r, const services_ptr& s) {
  r.add({"POST", "/admin/connectors/{id}/index", role::curator, body_kind::none,
         [s](route_call call, respond_fn respond) {
           const auto org = call.who->org_id;
           auto id = std::move(call.params.at(0));
           auto job = [s, respond, org, id] {
             try {
               auto c = s->connectors->get(org, id);
               if (!c)
                 return respond(envelope(*s, 404, "NOT_FOUND", "connector '" + id + "' not found"));
               adapters::connectors::connector_ptr source;
               try {
                 source = adapters::connectors::make_connector(*c, s->connector_env);
               } catch (const adapters::connectors::connector_config_error& e) {
                 return respond(envelope(*s, 400, "VALIDATION_ERROR", e.what()));
               }
               if (!s->knowledge) throw std::runtime_error("no knowledge base is configured");
               adapters::indexing_pipeline pipeline(*s->knowledge, s->embedder);
               const auto run = adapters::run_indexing_pass(
                   *source, pipeline, {*s->runs, *s->document_sets, *s->clock}, org, c->name,
                   adapters::indexing_options_of(c->config_json));
               respond(json_response(200, write_json_text([&](protocol::json_writer& w) {
                                       w.StartObject();
                                       protocol::write_key(w, "run");
                                       write_run(w, run, c->name);
                                       w.EndObject();
                                     })));
             } catch (const std::exception& e) {
               respond(envelope(*s, 500, "INTERNAL_ERROR",
                                std::string("indexing failed: ") + e.what()));
             }
           };
           auto refused = [s, respond](std::string code, std::string message) {
             respond(envelope(*s, 503, code, message));
           };
           const auto& runner = s->run_indexing ? s->run_indexing : s->run_blocking;
           runner(org, std::move(job), std::move(refused));
         }});
}

}  // namespace so::net::admin
