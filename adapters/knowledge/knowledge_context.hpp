// adapters/knowledge/knowledge_context.hpp — the auto-injected "[Relevant knowledge]"
// system message of a turn (engine.md §1.5).
//
// Thread-safety: pure functions, locale-independent.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"

#include <string>
#include <vector>

namespace so::adapters {

/// The score with exactly two decimals, rounded half-to-even on the exact
/// binary value of the float (what glibc's "%.2f" prints):
/// 0.1875 → "0.19", 0.125 → "0.12", 1/13 → "0.08".
std::string format_score_2dp(float score);

/// "[Relevant knowledge]\n" then one "- (source=S, score=X.XX): chunk\n" per
/// result, in order. Empty results → "" (no message is added).
std::string format_knowledge_block(const std::vector<knowledge_result>& results);

}  // namespace so::adapters
