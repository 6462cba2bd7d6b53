// adapters/llm/model_prices.hpp — per-token prices of gateway models, for the `costUsd` of
// a turn's usage (later-protocol.md §3.3).
//
// The prices come from the gateway's model table (net/admin_model_costs.hpp, the data of
// `GET /admin/model-costs`); `model_price_source` is the seam a turn asks through
// (services::model_prices; null when the LLM is not the real gateway). A model missing
// from the table, or without both prices, is "unknown": the turn then sends no `costUsd`.
// Pure functions here; sources must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::llm {

struct model_price {
  double input_per_token = 0;   ///< USD per prompt token
  double output_per_token = 0;  ///< USD per completion token
};

/// model id → price.
using price_table = std::map<std::string, model_price, std::less<>>;

/// The priced models of a cost table of the `/admin/model-costs` shape
/// (`{"<model>":{"inputCostPerToken":…,"outputCostPerToken":…,…}}`): a model whose two
/// prices are not both non-negative numbers is left out; unparseable text gives none.
price_table parse_price_table(std::string_view table_json);

/// USD of a turn's tokens at `price`.
double cost_usd(const model_price& price, std::uint64_t prompt_tokens,
                std::uint64_t completion_tokens);

class model_price_source {
 public:
  virtual ~model_price_source() = default;
  /// Calls `done` exactly once, inline or later from any thread, with the price of
  /// `model`, or none when it is not known (yet). Never blocks.
  virtual void price_of(const std::string& model,
                        std::function<void(std::optional<model_price>)> done) = 0;
};

using model_price_source_ptr = std::shared_ptr<model_price_source>;

}  // namespace so::adapters::llm
