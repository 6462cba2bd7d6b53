// adapters/knowledge/knowledge_context.cpp — see knowledge_context.hpp.
#include "adapters/knowledge/knowledge_context.hpp"

#include <array>
#include <charconv>

namespace so::adapters {

std::string format_score_2dp(float score) {
  // std::to_chars with a precision is specified as printf("%.2f") of the exact
  // value (correctly rounded, ties to even), and unlike snprintf it ignores the
  // global LC_NUMERIC locale.
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<double>(score),
                                 std::chars_format::fixed, 2);
  if (res.ec != std::errc{}) return "0.00";  // unreachable for a float: 64 chars always suffice
  return std::string(buf.data(), res.ptr);
}

std::string format_knowledge_block(const std::vector<knowledge_result>& results) {
  if (results.empty()) return {};
  std::string out = "[Relevant knowledge]\n";
  for (const auto& r : results) {
    out += "- (source=";
    out += r.source;
    out += ", score=";
    out += format_score_2dp(r.score);
    out += "): ";
    out += r.chunk;
    out += '\n';
  }
  return out;
}

}  // namespace so::adapters
