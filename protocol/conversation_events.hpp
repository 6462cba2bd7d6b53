// protocol/conversation_events.hpp — the `data` payloads of the conversation actions
// (later-protocol.md §2.2 `list_conversations`, §2.5 `rename_conversation`).
//
// Compact JSON objects for `immediate_response` (protocol/events.hpp wraps them).
// Pure functions; safe from any thread.
#pragma once

#include "protocol/clock.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace so::protocol::events {

/// One entry of the `Conversations` reply.
struct listed_conversation {
  std::string conversation_id;
  std::string title;
  time_point updated_at{};
  std::size_t message_count = 0;
};

/// `{"conversations":[{conversationId, title, updatedAt (RFC 3339), messageCount}]}`.
std::string conversations_data(const std::vector<listed_conversation>& list);

/// `{"conversationId", "title"}`.
std::string conversation_renamed_data(std::string_view conversation_id, std::string_view title);

}  // namespace so::protocol::events
