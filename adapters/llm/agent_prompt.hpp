// adapters/llm/agent_prompt.hpp — what the model is sent in a turn (engine.md §1.4–§1.10).
//
// Pure functions: the built-in prompt texts, replay of prior messages, and the
// context window (system messages hoisted to the front, then the most recent
// non-system messages that fit the token budget). Safe from any thread.
#pragma once

#include "adapters/llm/llm_types.hpp"
#include "adapters/storage/storage.hpp"
#include "protocol/domain.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace so::adapters::llm {

/// The built-in support-agent prompt (engine.md §1.6), used when no persona is set.
extern const std::string_view default_system_prompt;
/// Added as a system message on the last allowed iteration (engine.md §1.6).
extern const std::string_view final_iteration_reminder;

/// How many stored messages a turn replays (decisions.md: the NEWEST 50).
inline constexpr std::size_t history_limit = 50;
/// Context budget in estimated tokens (engine.md §1.10).
inline constexpr std::size_t context_budget_tokens = 100'000;

/// Prior messages as chat messages, in the order given (callers pass them
/// oldest first): inbound → user, outbound → assistant; empty texts skipped.
std::vector<chat_message> replay_history(std::vector<adapters::history_entry> stored);

/// Estimated tokens of one message: UTF-8 bytes of its content / 4 + 1.
std::size_t estimate_tokens(const chat_message& m);

/// The messages actually sent, as positions in `conversation` in the order they are
/// sent: every system message first (in order), then the longest suffix of the other
/// messages whose estimate fits the budget together with the system messages, in
/// chronological order. Positions, not copies: the turn lends those messages to its
/// request for the duration of the model call (actors/turn_actor.cpp).
std::vector<std::size_t> context_window(const std::vector<chat_message>& conversation,
                                        std::size_t budget_tokens = context_budget_tokens);

}  // namespace so::adapters::llm
