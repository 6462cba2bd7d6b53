// adapters/knowledge/indexing_pipeline.cpp — see indexing_pipeline.hpp.
#include "adapters/knowledge/indexing_pipeline.hpp"

#include "adapters/knowledge/deterministic_embedder.hpp"
#include "adapters/knowledge/unicode_text.hpp"
#include "protocol/json.hpp"

#include <cstdio>
#include <set>
#include <stdexcept>

namespace so::adapters {

std::string ledger_key(const std::string& org, const std::string& document_id,
                       const std::string& chunk) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(chunk)));
  return org + "::" + document_id + "::" + hex;
}

std::vector<std::string> split_document_sets(const std::string& comma_list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= comma_list.size()) {
    const auto end = comma_list.find(',', start);
    const auto name = trim_unicode_whitespace(
        std::string_view(comma_list)
            .substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (!name.empty()) out.emplace_back(name);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

indexing_options indexing_options_of(std::string_view config_json) {
  indexing_options o;
  rapidjson::Document d;
  if (!protocol::parse_untrusted(d, config_json).ok || !d.IsObject()) return o;
  o.document_set = protocol::get_string(d, "document_set");
  if (const auto* b = protocol::get_member(d, "boost")) {
    if (b->IsString())
      o.boost.emplace(b->GetString(), b->GetStringLength());
    else if (b->IsNumber())
      o.boost = protocol::to_compact_json(*b);
  }
  return o;
}

namespace {

std::string acl_v2_json(const std::vector<std::string>& groups) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "public");
  w.Bool(false);
  protocol::write_key(w, "users");
  w.StartArray();
  w.EndArray();
  protocol::write_key(w, "groups");
  w.StartArray();
  for (const auto& g : groups) protocol::write_string(w, g);
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

bool is_http_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

}  // namespace

indexing_pipeline::indexing_pipeline(knowledge_base& kb, embedder_ptr fallback,
                                     ingestion_chunker chunker)
    : kb_(kb), embedder_(kb.chunk_embedder()), chunker_(chunker) {
  if (!embedder_) embedder_ = fallback ? fallback : std::make_shared<deterministic_embedder>();
}

document indexing_pipeline::stored_document(const std::string& org,
                                            const connectors::raw_document& raw,
                                            const indexing_options& options) {
  document d;
  d.id = raw.id;
  d.organization_id = org;
  d.title = raw.title;
  d.metadata = raw.metadata;
  const auto meta = [&](const char* key) -> const std::string* {
    auto it = raw.metadata.find(key);
    return it == raw.metadata.end() ? nullptr : &it->second;
  };
  if (const auto* url = meta("url"); url && !url->empty())
    d.source = *url;
  else if (const auto* path = meta("path"); path && !path->empty())
    d.source = *path;
  else
    d.source = raw.source.empty() ? "ingestion" : raw.source;
  if (const auto* url = meta("url"); url && is_http_url(*url)) d.url = *url;

  d.metadata["org_id"] = org;
  d.metadata["document_id"] = raw.id;
  if (raw.title) d.metadata.emplace("title", *raw.title);
  d.metadata.emplace("source", raw.source.empty() ? "ingestion" : raw.source);
  if (options.document_set) d.metadata.emplace("document_set", *options.document_set);
  if (options.boost) d.metadata.emplace("boost", *options.boost);
  if (const auto* sets = meta("document_set"))
    d.document_sets = split_document_sets(*sets);
  else if (options.document_set)
    d.document_sets = split_document_sets(*options.document_set);

  if (!raw.acl.empty()) {
    d.acl = doc_acl{false, {}, raw.acl};
    d.metadata["acl"] = joined(raw.acl);
    d.metadata["acl_v2"] = acl_v2_json(raw.acl);
  }
  return d;
}

indexing_report indexing_pipeline::ingest(const std::string& org,
                                          const std::vector<connectors::raw_document>& docs,
                                          const indexing_options& options,
                                          const stored_fn& on_stored) {
  indexing_report report;
  report.embedding_dim = embedder_->dim();
  std::set<std::string> ledger;  // one pass
  for (const auto& raw : docs) {
    ++report.documents_pulled;
    const auto chunks = chunker_.split(raw.content);
    if (chunks.empty()) {
      kb_.remove_document(org, raw.id);  // the source now holds nothing for it
      ++report.documents_skipped;
      continue;
    }
    bool all_seen = true;
    for (const auto& c : chunks)
      if (ledger.insert(ledger_key(org, raw.id, c)).second) all_seen = false;
    if (all_seen) {
      ++report.documents_skipped;
      continue;
    }
    const auto vectors = embedder_->embed(chunks, input_type::document);
    if (vectors.size() != chunks.size())
      throw std::runtime_error("embedding '" + raw.id + "': the embedder returned " +
                               std::to_string(vectors.size()) + " vectors for " +
                               std::to_string(chunks.size()) + " chunks");
    std::vector<prepared_chunk> prepared;
    prepared.reserve(chunks.size());
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (vectors[i].size() != report.embedding_dim)
        throw std::runtime_error("embedding '" + raw.id + "': a vector has " +
                                 std::to_string(vectors[i].size()) + " dimensions, expected " +
                                 std::to_string(report.embedding_dim));
      prepared.push_back(prepared_chunk{chunks[i], vectors[i]});
    }
    const auto doc = stored_document(org, raw, options);
    kb_.replace_chunks(doc, prepared);
    report.chunks_stored += prepared.size();
    if (on_stored) on_stored(doc);
  }
  return report;
}

}  // namespace so::adapters
