// adapters/llm/model_prices.cpp — see model_prices.hpp.
#include "adapters/llm/model_prices.hpp"

#include "protocol/json.hpp"

namespace so::adapters::llm {

price_table parse_price_table(std::string_view table_json) {
  price_table out;
  rapidjson::Document d;
  if (!protocol::parse_untrusted(d, table_json).ok || !d.IsObject()) return out;
  for (const auto& m : d.GetObject()) {
    if (!m.value.IsObject()) continue;
    const auto* in = protocol::get_member(m.value, "inputCostPerToken");
    const auto* out_cost = protocol::get_member(m.value, "outputCostPerToken");
    if (!in || !out_cost || !in->IsNumber() || !out_cost->IsNumber()) continue;
    model_price p{in->GetDouble(), out_cost->GetDouble()};
    if (p.input_per_token < 0 || p.output_per_token < 0) continue;
    out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()), p);
  }
  return out;
}

double cost_usd(const model_price& price, std::uint64_t prompt_tokens,
                std::uint64_t completion_tokens) {
  return static_cast<double>(prompt_tokens) * price.input_per_token +
         static_cast<double>(completion_tokens) * price.output_per_token;
}

}  // namespace so::adapters::llm
