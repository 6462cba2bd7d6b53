// adapters/knowledge/gateway_reranker.cpp — see gateway_reranker.hpp.
#include "adapters/knowledge/gateway_reranker.hpp"

#include "adapters/knowledge/gateway_url.hpp"
#include "protocol/json.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

namespace so::adapters {

namespace {

std::vector<knowledge_result> truncated(std::vector<knowledge_result> c, std::size_t top_k) {
  if (c.size() > top_k) c.resize(top_k);
  return c;
}

}  // namespace

gateway_reranker::gateway_reranker(json_poster_ptr poster, gateway_reranker_options options)
    : poster_(std::move(poster)),
      options_(std::move(options)),
      url_(gateway_endpoint(options_.base_url, "/rerank")) {
  if (!poster_) throw std::invalid_argument("gateway_reranker needs an HTTP poster");
}

std::vector<knowledge_result> gateway_reranker::rerank(const std::string& query,
                                                       std::vector<knowledge_result> candidates,
                                                       std::size_t top_k) const {
  if (candidates.empty() || top_k == 0) return {};
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "model");
  protocol::write_string(w, options_.model);
  protocol::write_key(w, "query");
  protocol::write_string(w, query);
  protocol::write_key(w, "documents");
  w.StartArray();
  for (const auto& c : candidates) protocol::write_string(w, c.chunk);
  w.EndArray();
  protocol::write_key(w, "top_n");
  w.Uint64(top_k);
  w.EndObject();

  std::vector<std::pair<double, std::size_t>> scored;  // (relevance, candidate index)
  try {
    const auto r = poster_->post(url_, {{"Authorization", "Bearer " + options_.api_key}},
                                 std::string(sb.GetString(), sb.GetSize()));
    if (r.status < 200 || r.status > 299)
      throw std::runtime_error("HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 512));
    rapidjson::Document doc;
    if (auto parsed = protocol::parse_untrusted(doc, r.body); !parsed.ok)
      throw std::runtime_error("the response is not JSON (" + parsed.error + ")");
    const auto* results = doc.IsObject() ? protocol::get_member(doc, "results") : nullptr;
    if (results == nullptr || !results->IsArray())
      throw std::runtime_error("the response has no results array");
    for (const auto& e : results->GetArray()) {
      if (!e.IsObject()) continue;
      const auto* index = protocol::get_member(e, "index");
      const auto* relevance = protocol::get_member(e, "relevance_score");
      if (index == nullptr || !index->IsUint64() || relevance == nullptr || !relevance->IsNumber())
        continue;  // malformed entry: skipped, the candidate may still be appended
      scored.emplace_back(relevance->GetDouble(), static_cast<std::size_t>(index->GetUint64()));
    }
  } catch (const std::exception& e) {
    spdlog::warn("gateway rerank failed ({}); keeping the retrieval order", e.what());
    return truncated(std::move(candidates), top_k);
  }

  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<bool> taken(candidates.size(), false);
  std::vector<knowledge_result> out;
  for (const auto& [relevance, i] : scored) {
    if (out.size() == top_k) break;
    if (i >= candidates.size() || taken[i]) continue;
    taken[i] = true;
    out.push_back(candidates[i]);
  }
  for (std::size_t i = 0; i < candidates.size() && out.size() < top_k; ++i)
    if (!taken[i]) out.push_back(std::move(candidates[i]));
  return out;
}

}  // namespace so::adapters
