// adapters/storage/conversation_summaries.cpp — compose_conversation_summaries
// (storage.hpp): the conversation list from the adapter's other calls. Used by
// adapters without a single-query version (the in-memory one, test wrappers).
// Thread-safety: a plain function; it calls the adapter from the calling thread.
#include "adapters/storage/storage.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace so::adapters {

namespace {

/// ASCII case-insensitive equality; a blank side never matches (actors/connection_scope.hpp
/// states the same rule for reads).
bool same_email(const std::string& a, const std::string& b) {
  const auto blank = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
  };
  if (blank(a) || blank(b) || a.size() != b.size()) return false;
  return std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

bool owned_by(storage& s, const std::string& conv, const std::string& email) {
  const auto parts = s.list_participants_by_conversation(conv);
  return std::any_of(parts.begin(), parts.end(), [&](const participant& p) {
    return p.type == "user" && p.email && same_email(*p.email, email);
  });
}

}  // namespace

std::vector<conversation_summary> compose_conversation_summaries(storage& s,
                                                                 const conversation_list_query& q) {
  std::vector<conversation_summary> out;
  if (q.limit == 0) return out;
  std::unordered_set<std::string> ids;
  if (q.only_ids) ids.insert(q.only_ids->begin(), q.only_ids->end());
  // Newest createdAt first (the adapter's order), so the stable sort below breaks
  // updatedAt ties by the later created first.
  for (auto& c : s.list_conversations_by_org(q.organization_id)) {
    if (q.only_ids && !ids.count(c.id)) continue;
    if (q.owner_email && !owned_by(s, c.id, *q.owner_email)) continue;
    message_query mq;
    mq.conversation_id = c.id;
    mq.limit = q.message_scan;
    auto page = s.list_messages(mq);
    if (page.messages.empty()) continue;
    conversation_summary sum;
    sum.message_count = page.messages.size();
    for (const auto& m : page.messages) {
      if (m.direction != protocol::direction::inbound) continue;
      sum.first_user_text = m.content.plain_text();
      break;
    }
    sum.conv = std::move(c);
    out.push_back(std::move(sum));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const conversation_summary& a, const conversation_summary& b) {
                     return a.conv.updated_at > b.conv.updated_at;
                   });
  if (out.size() > q.limit) out.resize(q.limit);
  return out;
}

}  // namespace so::adapters
