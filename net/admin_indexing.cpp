// net/admin_indexing.cpp — the read side of indexing (curator+): `GET
// /admin/indexing/runs` (the org's recorded connector names, each name's runs under
// its org-scoped key, shown with the plain name) and `GET /admin/document-sets`
// (admin-auth.md §2.2, §5.6). `POST /admin/connectors/{id}/index` is in
// admin_index.cpp.
#include "net/admin_support.hpp"

namespace so::net::admin {

using adapters::auth::role;

void write_run(protocol::json_writer& w, const adapters::tenant::indexing_run& run,
               const std::string& display_name) {
  w.StartObject();
  protocol::write_key(w, "id");
  protocol::write_string(w, run.id);
  protocol::write_key(w, "connectorName");
  protocol::write_string(w, display_name);
  protocol::write_key(w, "status");
  protocol::write_string(w, adapters::tenant::run_status_name(run.status));
  protocol::write_key(w, "startedAt");
  protocol::write_string(w, protocol::to_rfc3339(run.started_at));
  protocol::write_key(w, "finishedAt");
  if (run.finished_at)
    protocol::write_string(w, protocol::to_rfc3339(*run.finished_at));
  else
    w.Null();
  protocol::write_key(w, "documentsSeen");
  w.Uint64(run.documents_seen);
  protocol::write_key(w, "chunksIndexed");
  w.Uint64(run.chunks_indexed);
  protocol::write_key(w, "documentsSkipped");
  w.Uint64(run.documents_skipped);
  protocol::write_key(w, "cursor");
  write_optional_string(w, run.cursor);
  protocol::write_key(w, "error");
  write_optional_string(w, run.error);
  w.EndObject();
}

void add_indexing_routes(http_router& r, const services_ptr& s) {
  r.add({"GET", "/admin/indexing/runs", role::curator, body_kind::none,
         [s](route_call call, respond_fn respond) {
           const auto org = call.who->org_id;
           off_io(s, org, respond, [s, org] {
             return json_response(200, write_json_text([&](protocol::json_writer& w) {
                                    w.StartObject();
                                    protocol::write_key(w, "runs");
                                    w.StartArray();
                                    for (const auto& name : s->runs->connector_names(org))
                                      for (const auto& run : s->runs->list_runs(
                                               adapters::tenant::scoped_connector_key(org, name)))
                                        write_run(w, run, name);
                                    w.EndArray();
                                    w.EndObject();
                                  }));
           });
         }});
  r.add({"GET", "/admin/document-sets", role::curator, body_kind::none,
         [s](route_call call, respond_fn respond) {
           const auto org = call.who->org_id;
           off_io(s, org, respond, [s, org] {
             return json_response(200, write_json_text([&](protocol::json_writer& w) {
                                    w.StartObject();
                                    protocol::write_key(w, "documentSets");
                                    w.StartArray();
                                    for (const auto& set : s->document_sets->list(org)) {
                                      w.StartObject();
                                      protocol::write_key(w, "name");
                                      protocol::write_string(w, set.name);
                                      protocol::write_key(w, "documentCount");
                                      w.Uint64(set.document_count);
                                      w.EndObject();
                                    }
                                    w.EndArray();
                                    w.EndObject();
                                  }));
           });
         }});
}

}  // namespace so::net::admin
