// adapters/knowledge/gateway_embedder.cpp — see gateway_embedder.hpp.
#include "adapters/knowledge/gateway_embedder.hpp"

#include "adapters/knowledge/gateway_url.hpp"
#include "adapters/knowledge/unicode_text.hpp"
#include "protocol/json.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace so::adapters {

namespace {

constexpr std::size_t kBodyExcerpt = 512;

std::runtime_error failure(const std::string& what) {
  return std::runtime_error("gateway embeddings: " + what);
}

std::string excerpt(const std::string& body) {
  if (body.size() <= kBodyExcerpt) return body;
  return body.substr(0, kBodyExcerpt) + "...";
}

}  // namespace

gateway_embedder::gateway_embedder(json_poster_ptr poster, gateway_embedder_options options)
    : poster_(std::move(poster)),
      options_(std::move(options)),
      url_(gateway_endpoint(options_.base_url, "/embeddings")) {
  if (!poster_) throw std::invalid_argument("gateway_embedder needs an HTTP poster");
  if (options_.dim == 0) throw std::invalid_argument("gateway_embedder: dim must be >= 1");
  if (options_.max_batch == 0) throw std::invalid_argument("gateway_embedder: batch must be >= 1");
  if (trim_unicode_whitespace(options_.api_key).empty())
    throw std::invalid_argument("gateway_embedder needs a gateway key (SMOOAI_GATEWAY_KEY)");
}

std::vector<embedding> gateway_embedder::embed(const std::vector<std::string>& texts,
                                               input_type) const {
  std::vector<embedding> out;
  out.reserve(texts.size());
  for (std::size_t first = 0; first < texts.size(); first += options_.max_batch)
    embed_batch(texts, first, std::min(options_.max_batch, texts.size() - first), out);
  return out;
}

void gateway_embedder::embed_batch(const std::vector<std::string>& texts, std::size_t first,
                                   std::size_t count, std::vector<embedding>& out) const {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "model");
  protocol::write_string(w, options_.model);
  protocol::write_key(w, "input");
  w.StartArray();
  for (std::size_t i = first; i < first + count; ++i) protocol::write_string(w, texts[i]);
  w.EndArray();
  w.EndObject();

  const auto r = poster_->post(url_, {{"Authorization", "Bearer " + options_.api_key}},
                               std::string(sb.GetString(), sb.GetSize()));
  if (r.status < 200 || r.status > 299)
    throw failure("HTTP " + std::to_string(r.status) + ": " + excerpt(r.body));

  rapidjson::Document doc;
  if (auto parsed = protocol::parse_untrusted(doc, r.body); !parsed.ok)
    throw failure("the response is not JSON (" + parsed.error + ")");
  const auto* data = doc.IsObject() ? protocol::get_member(doc, "data") : nullptr;
  if (data == nullptr || !data->IsArray()) throw failure("the response has no data array");
  if (data->Size() != count)
    throw failure("the response holds " + std::to_string(data->Size()) + " embeddings for " +
                  std::to_string(count) + " inputs");

  std::vector<embedding> batch(count);
  std::vector<bool> filled(count, false);
  for (const auto& entry : data->GetArray()) {
    const auto* index = entry.IsObject() ? protocol::get_member(entry, "index") : nullptr;
    if (index == nullptr || !index->IsUint64() || index->GetUint64() >= count)
      throw failure("an entry has a missing or out-of-range index");
    const auto i = static_cast<std::size_t>(index->GetUint64());
    if (filled[i]) throw failure("index " + std::to_string(i) + " appears twice");
    const auto* vec = protocol::get_member(entry, "embedding");
    if (vec == nullptr || !vec->IsArray()) throw failure("an entry has no embedding array");
    if (vec->Size() != options_.dim)
      throw failure("an embedding has " + std::to_string(vec->Size()) + " dimensions, expected " +
                    std::to_string(options_.dim));
    auto& v = batch[i];
    v.reserve(options_.dim);
    for (const auto& x : vec->GetArray()) {
      if (!x.IsNumber()) throw failure("an embedding holds a non-number");
      const auto f = static_cast<float>(x.GetDouble());
      if (!std::isfinite(f)) throw failure("an embedding holds a non-finite number");
      v.push_back(f);
    }
    filled[i] = true;
  }
  for (auto& v : batch) out.push_back(std::move(v));
}

}  // namespace so::adapters
