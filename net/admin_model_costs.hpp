// net/admin_model_costs.hpp — the model cost table behind `GET /admin/model-costs`
// (admin-auth.md §9), fetched from the gateway's `{gateway}/model/info`.
//
// The gateway answers in the LiteLLM shape `{"data":[{"model_name":…,"model_info":{…}}]}`;
// each entry maps to `{"<modelName>":{inputCostPerToken, outputCostPerToken, tier,
// useCases, maxOutputTokens}}` (a missing field is `null`, `useCases` `[]`). The first
// successful fetch is cached for the process lifetime; any failure (transport, non-2xx
// status, unparseable body) answers `{}` and is not cached, so the next call retries.
// Fetches run on the project's async HTTP client; concurrent misses each fetch.
//
// Thread-safety: `get` may be called from any thread; `done` runs on an io thread of
// the HTTP client (or inline when cached).
#pragma once

#include "net/http_client.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace so::net {

class model_cost_cache : public std::enable_shared_from_this<model_cost_cache> {
 public:
  /// Create with std::make_shared: a fetch in flight keeps the cache alive.
  /// `gateway_url` is the base (e.g. https://llm.smoo.ai/v1); `api_key` may be empty.
  model_cost_cache(http_client_ptr http, std::string gateway_url, std::string api_key,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The mapped JSON object text.
  void get(std::function<void(std::string json)> done);

  /// The mapping alone (pure): none when `body` is not the expected shape.
  static std::optional<std::string> map_model_info(std::string_view body);

 private:
  http_client_ptr http_;
  std::string url_;
  std::string api_key_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::optional<std::string> cached_;
};

}  // namespace so::net
