// net/model_price_lookup.hpp — the turn's model prices (adapters/llm/model_prices.hpp),
// read from the same gateway model table as `GET /admin/model-costs`
// (net/admin_model_costs.hpp).
//
// The table is fetched from `{gateway}/model/info` until one fetch gives a priced model,
// then parsed once and kept. A turn never waits for it, and a gateway without that
// endpoint must not cost one extra request per turn: the lookup fetches at most once at a
// time and, after an empty or failed answer, not again for `retry_after`; meanwhile (and
// while a fetch is in flight) every model is "unknown". Once kept, answers are inline.
// Thread-safety: `price_of` may be called from any thread (internal mutex; `done` is
// called outside it).
#pragma once

#include "adapters/llm/model_prices.hpp"
#include "net/admin_model_costs.hpp"

#include <chrono>
#include <memory>
#include <mutex>

namespace so::net {

class model_price_lookup final : public adapters::llm::model_price_source,
                                 public std::enable_shared_from_this<model_price_lookup> {
 public:
  /// Create with std::make_shared (a fetch in flight keeps the lookup alive).
  explicit model_price_lookup(std::shared_ptr<model_cost_cache> costs,
                              std::chrono::seconds retry_after = std::chrono::seconds(60));

  void price_of(const std::string& model,
                std::function<void(std::optional<adapters::llm::model_price>)> done) override;

 private:
  std::shared_ptr<model_cost_cache> costs_;
  std::chrono::seconds retry_after_;
  std::mutex mu_;
  std::shared_ptr<const adapters::llm::price_table> prices_;  ///< null until a fetch priced one
  bool in_flight_ = false;
  std::chrono::steady_clock::time_point quiet_until_{};
};

}  // namespace so::net
