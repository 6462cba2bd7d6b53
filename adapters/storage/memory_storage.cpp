// adapters/storage/memory_storage.cpp — see memory_storage.hpp.
#include "adapters/storage/memory_storage.hpp"

#include "adapters/storage/new_session.hpp"

#include <algorithm>
#include <utility>

namespace so::adapters {

namespace {

std::string quoted(const std::string& id) {
  return "'" + id + "'";
}

std::string conflict_text(const char* kind, const std::string& id) {
  return std::string("conflict: ") + kind + " id " + quoted(id) + " already exists";
}

[[noreturn]] void throw_conflict(const char* kind, const std::string& id) {
  throw storage_conflict(conflict_text(kind, id));
}

[[noreturn]] void throw_not_found(const char* kind, const std::string& id) {
  throw storage_error(std::string(kind) + " " + quoted(id) + " not found");
}

void require_owner(const std::string& owner) {
  if (owner.empty()) throw storage_error("turn lease: the owner id is empty");
}

/// One string for the (org, key) pair: the org's length first, so no choice of
/// characters in either part can make two different pairs collide.
std::string idempotency_index_key(const std::string& org, const std::string& key) {
  std::string out = std::to_string(org.size());
  out.reserve(out.size() + 1 + org.size() + key.size());
  out += ':';
  out += org;
  out += key;
  return out;
}

}  // namespace

memory_storage::memory_storage(protocol::clock_ptr clock)
    : clock_(clock ? std::move(clock) : std::make_shared<protocol::system_clock>()) {}

// ---- conversations ----------------------------------------------------------------------

conversation memory_storage::create_conversation(conversation c) {
  std::lock_guard lock(mutex_);
  auto key = idempotency_index_key(c.organization_id, c.idempotency_key);
  if (auto hit = idempotency_.find(key); hit != idempotency_.end()) {
    return conversations_.at(hit->second).value;  // idempotent: the stored row, input discarded
  }
  if (conversations_.count(c.id) != 0) throw_conflict("conversation", c.id);
  return insert_conversation(std::move(c), std::move(key));
}

conversation& memory_storage::insert_conversation(conversation c, std::string key) {
  idempotency_.emplace(std::move(key), c.id);
  // Copy the key first: the row is built from `c` before emplace reads the key.
  std::string id = c.id;
  auto [it, inserted] =
      conversations_.emplace(std::move(id), conversation_row{std::move(c), next_seq_++});
  return it->second.value;
}

std::optional<conversation> memory_storage::get_conversation(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = conversations_.find(id);
  if (it == conversations_.end()) return std::nullopt;
  return it->second.value;
}

std::vector<conversation> memory_storage::list_conversations_by_org(const std::string& org) {
  std::lock_guard lock(mutex_);
  std::vector<const conversation_row*> rows;
  for (const auto& [id, row] : conversations_) {
    if (row.value.organization_id == org) rows.push_back(&row);
  }
  // Newest createdAt first; among equal timestamps the later insert first.
  std::sort(rows.begin(), rows.end(), [](const conversation_row* a, const conversation_row* b) {
    if (a->value.created_at != b->value.created_at)
      return a->value.created_at > b->value.created_at;
    return a->seq > b->seq;
  });
  std::vector<conversation> out;
  out.reserve(rows.size());
  for (const auto* row : rows) out.push_back(row->value);
  return out;
}

conversation memory_storage::update_conversation(const std::string& id,
                                                 const conversation_update& u) {
  std::lock_guard lock(mutex_);
  auto it = conversations_.find(id);
  if (it == conversations_.end()) throw_not_found("conversation", id);
  auto& c = it->second.value;
  if (u.name) c.name = *u.name;
  if (u.metadata_json) c.metadata_json = u.metadata_json;
  if (u.analytics_json) c.analytics_json = u.analytics_json;
  c.updated_at = clock_->now();
  return c;
}

bool memory_storage::set_default_title(const std::string& id, const std::string& title) {
  std::lock_guard lock(mutex_);
  auto it = conversations_.find(id);
  if (it == conversations_.end() || !has_default_name(it->second.value)) return false;
  it->second.value.name = title;
  it->second.value.updated_at = clock_->now();
  return true;
}

// ---- participants -----------------------------------------------------------------------

participant memory_storage::add_participant(participant p) {
  std::lock_guard lock(mutex_);
  if (participants_.count(p.id) != 0) throw_conflict("participant", p.id);
  return insert_participant(std::move(p));
}

participant& memory_storage::insert_participant(participant p) {
  std::string id = p.id;
  auto [it, inserted] =
      participants_.emplace(std::move(id), participant_row{std::move(p), next_seq_++});
  by_conversation_[it->second.value.conversation_id].participants.push_back(&it->second);
  return it->second.value;
}

// Rich Interactions (issue 12): the identity intake's contact on the user participant.
bool memory_storage::update_participant_contact(const std::string& id,
                                                const participant_contact_update& u) {
  std::lock_guard lock(mutex_);
  auto it = participants_.find(id);
  if (it == participants_.end()) return false;
  auto& p = it->second.value;
  if (u.name) p.name = *u.name;
  if (u.email) p.email = u.email;
  if (u.phone) p.phone = u.phone;
  p.updated_at = clock_->now();
  return true;
}

std::optional<participant> memory_storage::get_participant(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = participants_.find(id);
  if (it == participants_.end()) return std::nullopt;
  return it->second.value;
}

std::vector<participant> memory_storage::list_participants_by_conversation(
    const std::string& conv) {
  std::lock_guard lock(mutex_);
  std::vector<participant> out;
  auto index = by_conversation_.find(conv);
  if (index == by_conversation_.end()) return out;
  out.reserve(index->second.participants.size());
  for (const auto* row : index->second.participants) out.push_back(row->value);
  std::sort(out.begin(), out.end(), [](const participant& a, const participant& b) {
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.id < b.id;
  });
  return out;
}

std::optional<participant> memory_storage::resolve_participant_by_external_id(
    const std::string& conv, const std::string& external_id) {
  std::lock_guard lock(mutex_);
  auto index = by_conversation_.find(conv);
  if (index == by_conversation_.end()) return std::nullopt;
  // Several matches: the earliest createdAt wins (as Postgres does), then the earliest insert.
  const participant_row* best = nullptr;
  for (const auto* row : index->second.participants) {
    const auto& p = row->value;
    if (p.external_id != external_id) continue;
    if (best == nullptr || p.created_at < best->value.created_at ||
        (p.created_at == best->value.created_at && row->seq < best->seq)) {
      best = row;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->value;
}

// ---- messages -----------------------------------------------------------------------------

message memory_storage::append_message(message m) {
  std::lock_guard lock(mutex_);
  if (messages_.count(m.id) != 0) throw_conflict("message", m.id);
  std::string id = m.id;
  auto [it, inserted] = messages_.emplace(std::move(id), message_row{std::move(m), 0});
  // A message without a conversation is stored but never listed (§1.4).
  if (const auto& conv = it->second.value.conversation_id) {
    auto& order = by_conversation_[*conv].messages;
    it->second.position = order.size();
    order.push_back(&it->second);
    // Most-recently-active first in the conversation list (decisions.md).
    if (auto row = conversations_.find(*conv); row != conversations_.end())
      row->second.value.updated_at = clock_->now();
  }
  return it->second.value;
}

std::optional<message> memory_storage::get_message(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = messages_.find(id);
  if (it == messages_.end()) return std::nullopt;
  return it->second.value;
}

message_page memory_storage::list_messages(const message_query& q) {
  std::lock_guard lock(mutex_);
  message_page page;
  if (q.limit == 0) return page;
  auto index = by_conversation_.find(q.conversation_id);
  if (index == by_conversation_.end()) return page;
  const auto& order = index->second.messages;
  const std::size_t n = order.size();

  // `start` counts positions in the requested direction: step k maps to
  // order[k] ascending and order[n-1-k] descending. A cursor that is not a
  // message of this conversation restarts from the beginning (§2.3).
  std::size_t start = 0;
  if (q.cursor) {
    auto cur = messages_.find(*q.cursor);
    if (cur != messages_.end() && cur->second.value.conversation_id == q.conversation_id) {
      const std::size_t pos = cur->second.position;
      start = q.descending ? n - pos : pos + 1;
    }
  }
  if (start >= n) return page;
  const std::size_t take = std::min(q.limit, n - start);
  page.messages.reserve(take);
  for (std::size_t k = start; k < start + take; ++k) {
    const std::size_t at = q.descending ? n - 1 - k : k;
    page.messages.push_back(order[at]->value);
  }
  if (start + take < n) page.next_cursor = page.messages.back().id;
  return page;
}

// ---- sessions -----------------------------------------------------------------------------

session memory_storage::create_session(session s) {
  std::lock_guard lock(mutex_);
  if (sessions_.count(s.session_id) != 0) throw_conflict("session", s.session_id);
  return insert_session(std::move(s));
}

session& memory_storage::insert_session(session s) {
  std::string id = s.session_id;
  auto [it, inserted] = sessions_.emplace(std::move(id), std::move(s));
  by_conversation_[it->second.conversation_id].sessions.push_back(&it->second);
  return it->second;
}

std::optional<session> memory_storage::get_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

session memory_storage::update_session(const std::string& id, const session_update& u) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) throw_not_found("session", id);
  auto& s = it->second;
  if (u.status) s.status = u.status;
  if (u.token_count) s.token_count = u.token_count;
  if (u.message_count) s.message_count = u.message_count;
  if (u.last_activity_at) s.last_activity_at = u.last_activity_at;
  if (u.ended_at) s.ended_at = u.ended_at;
  if (u.metadata) s.metadata = *u.metadata;  // issue 12 (OTP)
  s.updated_at = clock_->now();
  return s;
}

std::vector<session> memory_storage::list_sessions_by_conversation(const std::string& conv) {
  std::lock_guard lock(mutex_);
  std::vector<session> out;
  auto index = by_conversation_.find(conv);
  if (index == by_conversation_.end()) return out;
  out.reserve(index->second.sessions.size());
  for (const auto* s : index->second.sessions) out.push_back(*s);
  // Oldest createdAt first; a missing createdAt sorts first (§2.4, memory); ties by id.
  std::sort(out.begin(), out.end(), [](const session& a, const session& b) {
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.session_id < b.session_id;
  });
  return out;
}

// ---- multi-record writes --------------------------------------------------------------------

std::optional<session> memory_storage::create_session_records(const new_session_records& r) {
  std::lock_guard lock(mutex_);
  // Every check before the first write, with persist_new_session's texts: all or none.
  auto refuse = [](const char* step, const char* kind, const std::string& id) {
    throw storage_conflict(std::string(step) + " failed: " + conflict_text(kind, id));
  };
  auto key = idempotency_index_key(r.conversation.organization_id, r.conversation.idempotency_key);
  const bool existing = idempotency_.count(key) != 0;  // idempotent: the stored row stays
  if (!existing && conversations_.count(r.conversation.id) != 0)
    refuse("create conversation", "conversation", r.conversation.id);
  if (participants_.count(r.user.id) != 0) refuse("add user participant", "participant", r.user.id);
  if (participants_.count(r.agent.id) != 0 || r.agent.id == r.user.id)
    refuse("add agent participant", "participant", r.agent.id);
  if (sessions_.count(r.session.session_id) != 0)
    refuse("create session", "session", r.session.session_id);

  if (!existing) insert_conversation(r.conversation, std::move(key));
  insert_participant(r.user);
  insert_participant(r.agent);
  return insert_session(r.session);
}

// ---- the turn lease ----------------------------------------------------------------------

bool memory_storage::claim_turn(const std::string& session_id, const std::string& owner,
                                std::chrono::milliseconds ttl) {
  require_owner(owner);
  std::lock_guard lock(mutex_);
  if (sessions_.count(session_id) == 0) throw_not_found("session", session_id);
  const auto now = clock_->now();
  auto& lease = leases_[session_id];
  if (!lease.owner.empty() && lease.owner != owner && lease.until > now) return false;
  lease.owner = owner;
  lease.until = now + std::max(ttl, std::chrono::milliseconds(0));
  return true;
}

bool memory_storage::renew_turn(const std::string& session_id, const std::string& owner,
                                std::chrono::milliseconds ttl) {
  require_owner(owner);
  std::lock_guard lock(mutex_);
  if (sessions_.count(session_id) == 0) throw_not_found("session", session_id);
  auto it = leases_.find(session_id);
  if (it == leases_.end() || it->second.owner != owner) return false;
  it->second.until = clock_->now() + std::max(ttl, std::chrono::milliseconds(0));
  return true;
}

bool memory_storage::release_turn(const std::string& session_id, const std::string& owner) {
  require_owner(owner);
  std::lock_guard lock(mutex_);
  if (sessions_.count(session_id) == 0) throw_not_found("session", session_id);
  auto it = leases_.find(session_id);
  if (it == leases_.end() || it->second.owner != owner) return false;
  it->second.owner.clear();
  return true;
}

}  // namespace so::adapters
