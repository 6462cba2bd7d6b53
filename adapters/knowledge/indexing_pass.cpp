// adapters/knowledge/indexing_pass.cpp — see indexing_pass.hpp.
#include "adapters/knowledge/indexing_pass.hpp"

#include "protocol/domain.hpp"
#include "protocol/ids.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace so::adapters {

namespace {

/// The time a run is stamped with, at the precision every store keeps (PostgreSQL:
/// microseconds), so the returned run equals what a later read returns.
protocol::time_point stored_now(const protocol::clock& c) {
  return std::chrono::floor<std::chrono::microseconds>(c.now());
}

}  // namespace

tenant::indexing_run run_indexing_pass(connectors::connector& source, indexing_pipeline& pipeline,
                                       const indexing_pass_stores& stores, const std::string& org,
                                       const std::string& display_name,
                                       const indexing_options& options) {
  tenant::indexing_run run;
  run.id = protocol::new_uuid_v4();
  run.connector_name = tenant::scoped_connector_key(org, display_name);
  run.started_at = stored_now(stores.clock);
  const auto previous = stores.runs.latest_cursor(run.connector_name);

  const auto fail = [&](const std::string& why) {
    run.status = tenant::run_status::failed;
    run.documents_seen = run.chunks_indexed = run.documents_skipped = 0;
    run.cursor.reset();
    run.error = why;
    run.finished_at = stored_now(stores.clock);
    spdlog::warn("indexing '{}' for org '{}' failed: {}", display_name, org, why);
  };

  std::vector<connectors::raw_document> docs;
  bool pulled = false;
  try {
    docs = source.pull(previous);
    pulled = true;
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (pulled) {
    try {
      const auto report = pipeline.ingest(org, docs, options, [&](const document& d) {
        for (const auto& set : d.document_sets)
          stores.document_sets.record_document(org, set, d.id);
      });
      run.status = tenant::run_status::succeeded;
      run.documents_seen = report.documents_pulled;
      run.chunks_indexed = report.chunks_stored;
      run.documents_skipped = report.documents_skipped;
      run.finished_at = stored_now(stores.clock);
      std::optional<protocol::time_point> latest;
      for (const auto& d : docs) {
        auto it = d.metadata.find("updated_at");
        if (it == d.metadata.end()) continue;
        if (auto t = protocol::parse_rfc3339(it->second); t && (!latest || *t > *latest))
          latest = t;
      }
      if (latest)
        run.cursor = protocol::to_rfc3339(*latest);
      else if (!docs.empty())
        run.cursor = protocol::to_rfc3339(run.started_at);
      else
        run.cursor = previous;
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
  stores.runs.record_run(run);
  stores.runs.record_connector_name(org, display_name);
  return run;
}

}  // namespace so::adapters
