// adapters/knowledge/indexing_pass.hpp — one incremental indexing pass of a connector
// for an org, recorded as a run (storage-backplane.md §11 "IndexingService.run_once",
// admin-auth.md §5.5–§5.6).
//
//  1. key = scoped_connector_key(org, display name); since = the key's latest cursor;
//  2. pull (the connector gets `since`). A pull failure → a FAILED run: counts 0, no
//     cursor, `error` = the failure's text, finished_at set;
//  3. ingest through the pipeline for the org (each stored document is recorded in
//     its document sets: document_set_store::record_document). A pipeline failure is
//     a failed run too;
//  4. SUCCEEDED: documents_seen = pulled, chunks_indexed, documents_skipped,
//     finished_at, cursor = the latest valid RFC 3339 `updated_at` metadata among the
//     pulled documents (normalized to_rfc3339); if none has one, the start time; if
//     nothing was pulled, the previous cursor;
//  5. the run is recorded under the key (record_run), the display name in the org's
//     connector registry, and the run returned (its connector_name is the KEY; show
//     the display name).
// Connector and pipeline failures never escape: the run says "failed". Only store
// failures (recording the run itself) throw.
//
// Thread-safety: blocks (pull, embedding, stores): run it on the storage pool's
// indexing worker only.
#pragma once

#include "adapters/knowledge/connectors/connector.hpp"
#include "adapters/knowledge/indexing_pipeline.hpp"
#include "adapters/tenant/document_set_store.hpp"
#include "adapters/tenant/indexing_run_store.hpp"
#include "protocol/clock.hpp"

#include <string>

namespace so::adapters {

struct indexing_pass_stores {
  tenant::indexing_run_store& runs;
  tenant::document_set_store& document_sets;
  const protocol::clock& clock;
};

tenant::indexing_run run_indexing_pass(connectors::connector& source, indexing_pipeline& pipeline,
                                       const indexing_pass_stores& stores, const std::string& org,
                                       const std::string& display_name,
                                       const indexing_options& options);

}  // namespace so::adapters
