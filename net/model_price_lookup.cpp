// net/model_price_lookup.cpp — see model_price_lookup.hpp.
#include "net/model_price_lookup.hpp"

namespace so::net {

namespace {

std::optional<adapters::llm::model_price> find(const adapters::llm::price_table& t,
                                               const std::string& model) {
  auto it = t.find(model);
  if (it == t.end()) return std::nullopt;
  return it->second;
}

}  // namespace

model_price_lookup::model_price_lookup(std::shared_ptr<model_cost_cache> costs,
                                       std::chrono::seconds retry_after)
    : costs_(std::move(costs)), retry_after_(retry_after) {}

void model_price_lookup::price_of(
    const std::string& model, std::function<void(std::optional<adapters::llm::model_price>)> done) {
  std::shared_ptr<const adapters::llm::price_table> prices;
  {
    std::lock_guard lock(mu_);
    prices = prices_;
    if (!prices) {
      if (!costs_ || in_flight_ || std::chrono::steady_clock::now() < quiet_until_)
        return done(std::nullopt);
      in_flight_ = true;
    }
  }
  if (prices) return done(find(*prices, model));
  costs_->get([self = shared_from_this(), model, done = std::move(done)](std::string table) {
    auto parsed =
        std::make_shared<const adapters::llm::price_table>(adapters::llm::parse_price_table(table));
    {
      std::lock_guard lock(self->mu_);
      self->in_flight_ = false;
      if (parsed->empty())  // a failed fetch, or a gateway pricing nothing: rest, then retry
        self->quiet_until_ = std::chrono::steady_clock::now() + self->retry_after_;
      else
        self->prices_ = parsed;
    }
    done(find(*parsed, model));
  });
}

}  // namespace so::net
