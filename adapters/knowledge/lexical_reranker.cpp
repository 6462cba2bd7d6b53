// adapters/knowledge/lexical_reranker.cpp — see lexical_reranker.hpp.
#include "adapters/knowledge/lexical_reranker.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

namespace so::adapters {

namespace {

double score_of(const std::set<std::string>& terms, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return 0.0;
  std::unordered_map<std::string_view, std::size_t> counts;
  for (const auto& t : tokens) ++counts[t];
  const double length_norm = 1.0 + std::log(1.0 + static_cast<double>(tokens.size()));
  double s = 0.0;
  for (const auto& term : terms) {
    const auto it = counts.find(term);
    if (it == counts.end()) continue;
    const auto c = static_cast<double>(it->second);
    s += (c / (c + lexical_reranker::kK1)) / length_norm;
  }
  return s;
}

}  // namespace

double lexical_reranker::score(const std::string& query, const std::string& chunk) const {
  const auto q = tokenizer_.tokens(query);
  return score_of(std::set<std::string>(q.begin(), q.end()), tokenizer_.tokens(chunk));
}

std::vector<knowledge_result> lexical_reranker::rerank(const std::string& query,
                                                       std::vector<knowledge_result> candidates,
                                                       std::size_t top_k) const {
  if (candidates.empty() || top_k == 0) return {};
  const auto q = tokenizer_.tokens(query);
  const std::set<std::string> terms(q.begin(), q.end());
  std::vector<std::pair<double, std::size_t>> order;
  order.reserve(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i)
    order.emplace_back(score_of(terms, tokenizer_.tokens(candidates[i].chunk)), i);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<knowledge_result> out;
  out.reserve(std::min(top_k, candidates.size()));
  for (const auto& [s, i] : order) {
    if (out.size() == top_k) break;
    out.push_back(std::move(candidates[i]));
  }
  return out;
}

}  // namespace so::adapters
