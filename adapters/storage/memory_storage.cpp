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

/// The idempotency index's hash of an (org, key) pair; the index compares both fields.
std::size_t idempotency_hash(const std::string& org, const std::string& key) {
  const std::size_t h = record_hash(org);
  return h ^ (record_hash(key) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
}

}  // namespace

memory_storage::memory_storage(protocol::clock_ptr clock)
    : clock_(clock ? std::move(clock) : std::make_shared<protocol::system_clock>()) {}

// ---- indexes --------------------------------------------------------------------------------

memory_storage::conversation_row* memory_storage::find_idempotent(const std::string& org,
                                                                  const std::string& key) const {
  return idempotency_.find(idempotency_hash(org, key), [&](const conversation_row& r) {
    return r.value.organization_id == org && r.value.idempotency_key == key;
  });
}

memory_storage::conversation_index& memory_storage::index_for(std::string_view conv) {
  if (auto* row = find_row(conversations_, conv)) return row->index;
  if (auto* orphan = find_row(orphans_, conv)) return orphan->index;
  return add_row(orphan_rows_, orphans_,
                 std::make_unique<orphan_index>(orphan_index{std::string(conv), {}}))
      .index;
}

const memory_storage::conversation_index* memory_storage::find_index(std::string_view conv) const {
  if (auto* row = find_row(conversations_, conv)) return &row->index;
  if (auto* orphan = find_row(orphans_, conv)) return &orphan->index;
  return nullptr;
}

// ---- conversations ----------------------------------------------------------------------

conversation memory_storage::create_conversation(conversation c) {
  std::lock_guard lock(mutex_);
  if (auto* hit = find_idempotent(c.organization_id, c.idempotency_key))
    return hit->value;  // idempotent: the stored row, input discarded
  if (find_row(conversations_, c.id) != nullptr) throw_conflict("conversation", c.id);
  return insert_conversation(
      std::make_unique<conversation_row>(conversation_row{std::move(c), 0, {}}));
}

conversation& memory_storage::insert_conversation(std::unique_ptr<conversation_row> new_row) {
  // Records that named this id before it had a row keep their order (§1.4).
  if (orphans_.size() != 0)
    if (auto* orphan = find_row(orphans_, new_row->value.id))
      new_row->index = std::exchange(orphan->index, {});
  new_row->seq = next_seq_++;
  auto& row = add_row(conversation_rows_, conversations_, std::move(new_row));
  idempotency_.insert(idempotency_hash(row.value.organization_id, row.value.idempotency_key), &row);
  return row.value;
}

std::optional<conversation> memory_storage::get_conversation(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto* row = find_row(conversations_, id)) return row->value;
  return std::nullopt;
}

std::vector<conversation> memory_storage::list_conversations_by_org(const std::string& org) {
  std::lock_guard lock(mutex_);
  std::vector<const conversation_row*> rows;
  for (const auto& row : conversation_rows_) {
    if (row->value.organization_id == org) rows.push_back(row.get());
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
  auto* row = find_row(conversations_, id);
  if (row == nullptr) throw_not_found("conversation", id);
  auto& c = row->value;
  if (u.name) c.name = *u.name;
  if (u.metadata_json) c.metadata_json = u.metadata_json;
  if (u.analytics_json) c.analytics_json = u.analytics_json;
  c.updated_at = clock_->now();
  return c;
}

bool memory_storage::set_default_title(const std::string& id, const std::string& title) {
  std::lock_guard lock(mutex_);
  auto* row = find_row(conversations_, id);
  if (row == nullptr || !has_default_name(row->value)) return false;
  row->value.name = title;
  row->value.updated_at = clock_->now();
  return true;
}

// ---- participants -----------------------------------------------------------------------

memory_storage::participant_row memory_storage::participant_row::pack(const participant& p,
                                                                      std::uint64_t seq) {
  const auto size = [](const std::optional<std::string>& f) { return f ? f->size() : 0; };
  packed_fields_writer w(packed_size(
      participant_field::count, p.id.size() + p.conversation_id.size() + p.organization_id.size() +
                                    p.type.size() + size(p.external_id) + size(p.internal_id) +
                                    size(p.browser_fingerprint) + size(p.browser_info_json) +
                                    p.name.size() + size(p.email) + size(p.phone) +
                                    size(p.crm_contact_id) + size(p.metadata_json)));
  // In participant_field order.
  w.add(p.id).add(p.conversation_id).add(p.organization_id).add(p.type);
  w.add(p.external_id).add(p.internal_id).add(p.browser_fingerprint).add(p.browser_info_json);
  w.add(p.name).add(p.email).add(p.phone).add(p.crm_contact_id).add(p.metadata_json);
  return participant_row{w.finish(), p.created_at, p.updated_at, seq};
}

participant memory_storage::participant_row::unpack() const {
  using f = participant_field;
  participant p;
  p.id = packed_string(fields, f::id);
  p.conversation_id = packed_string(fields, f::conversation_id);
  p.organization_id = packed_string(fields, f::organization_id);
  p.type = packed_string(fields, f::type);
  p.external_id = packed_optional(fields, f::external_id);
  p.internal_id = packed_optional(fields, f::internal_id);
  p.browser_fingerprint = packed_optional(fields, f::browser_fingerprint);
  p.browser_info_json = packed_optional(fields, f::browser_info_json);
  p.name = packed_string(fields, f::name);
  p.email = packed_optional(fields, f::email);
  p.phone = packed_optional(fields, f::phone);
  p.crm_contact_id = packed_optional(fields, f::crm_contact_id);
  p.metadata_json = packed_optional(fields, f::metadata_json);
  p.created_at = created_at;
  p.updated_at = updated_at;
  return p;
}

participant memory_storage::add_participant(participant p) {
  std::lock_guard lock(mutex_);
  if (find_row(participants_, p.id) != nullptr) throw_conflict("participant", p.id);
  insert_participant(std::make_unique<participant_row>(participant_row::pack(p, 0)));
  return p;
}

void memory_storage::insert_participant(std::unique_ptr<participant_row> new_row) {
  new_row->seq = next_seq_++;
  auto& row = add_row(participant_rows_, participants_, std::move(new_row));
  index_for(row.field(participant_field::conversation_id)).participants.push_back(&row);
}

// Rich Interactions (issue 12): the identity intake's contact on the user participant.
bool memory_storage::update_participant_contact(const std::string& id,
                                                const participant_contact_update& u) {
  std::lock_guard lock(mutex_);
  auto* row = find_row(participants_, id);
  if (row == nullptr) return false;
  auto p = row->unpack();
  if (u.name) p.name = *u.name;
  if (u.email) p.email = u.email;
  if (u.phone) p.phone = u.phone;
  p.updated_at = clock_->now();
  *row = participant_row::pack(p, row->seq);
  return true;
}

std::optional<participant> memory_storage::get_participant(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto* row = find_row(participants_, id)) return row->unpack();
  return std::nullopt;
}

std::vector<participant> memory_storage::list_participants_by_conversation(
    const std::string& conv) {
  std::lock_guard lock(mutex_);
  std::vector<participant> out;
  const auto* index = find_index(conv);
  if (index == nullptr) return out;
  out.reserve(index->participants.size());
  for (const auto* row : index->participants) out.push_back(row->unpack());
  std::sort(out.begin(), out.end(), [](const participant& a, const participant& b) {
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.id < b.id;
  });
  return out;
}

std::optional<participant> memory_storage::resolve_participant_by_external_id(
    const std::string& conv, const std::string& external_id) {
  std::lock_guard lock(mutex_);
  const auto* index = find_index(conv);
  if (index == nullptr) return std::nullopt;
  // Several matches: the earliest createdAt wins (as Postgres does), then the earliest insert.
  const participant_row* best = nullptr;
  for (const auto* row : index->participants) {
    if (packed_field(row->fields, participant_field::external_id) != external_id) continue;
    if (best == nullptr || row->created_at < best->created_at ||
        (row->created_at == best->created_at && row->seq < best->seq)) {
      best = row;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->unpack();
}

// ---- messages -----------------------------------------------------------------------------

message memory_storage::append_message(message m) {
  std::lock_guard lock(mutex_);
  if (find_row(messages_, m.id) != nullptr) throw_conflict("message", m.id);
  auto& row = add_row(message_rows_, messages_,
                      std::make_unique<message_row>(message_row{std::move(m), 0}));
  // A message without a conversation is stored but never listed (§1.4).
  if (const auto& conv = row.value.conversation_id) {
    auto* conversation = find_row(conversations_, *conv);
    auto& order = conversation ? conversation->index.messages : index_for(*conv).messages;
    row.position = order.size();
    order.push_back(&row);
    // Most-recently-active first in the conversation list (decisions.md).
    if (conversation) conversation->value.updated_at = clock_->now();
  }
  return row.value;
}

std::optional<message> memory_storage::get_message(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto* row = find_row(messages_, id)) return row->value;
  return std::nullopt;
}

message_page memory_storage::list_messages(const message_query& q) {
  std::lock_guard lock(mutex_);
  message_page page;
  if (q.limit == 0) return page;
  const auto* index = find_index(q.conversation_id);
  if (index == nullptr) return page;
  const auto& order = index->messages;
  const std::size_t n = order.size();

  // `start` counts positions in the requested direction: step k maps to
  // order[k] ascending and order[n-1-k] descending. A cursor that is not a
  // message of this conversation restarts from the beginning (§2.3).
  std::size_t start = 0;
  if (q.cursor) {
    auto* cur = find_row(messages_, *q.cursor);
    if (cur != nullptr && cur->value.conversation_id == q.conversation_id) {
      const std::size_t pos = cur->position;
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

std::vector<history_entry> memory_storage::recent_history(const std::string& conv,
                                                          std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<history_entry> out;
  const auto* index = find_index(conv);
  if (index == nullptr) return out;
  const auto& order = index->messages;  // append order: the newest last
  const std::size_t first = order.size() - std::min(limit, order.size());
  out.reserve(order.size() - first);
  for (std::size_t i = first; i < order.size(); ++i)
    out.push_back(history_entry{order[i]->value.direction, order[i]->value.content.plain_text()});
  return out;
}

// ---- sessions -----------------------------------------------------------------------------

memory_storage::session_row memory_storage::session_row::pack(const session& s) {
  packed_fields_writer w(
      packed_size(session_field::count, s.session_id.size() + s.conversation_id.size() +
                                            s.organization_id.size() + s.agent_id.size() +
                                            s.agent_name.size() + s.user_participant_id.size() +
                                            s.agent_participant_id.size() + s.thread_id.size()));
  // In session_field order.
  w.add(s.session_id).add(s.conversation_id).add(s.organization_id).add(s.agent_id);
  w.add(s.agent_name).add(s.user_participant_id).add(s.agent_participant_id).add(s.thread_id);
  return session_row{w.finish(),   s.status,     s.token_count, s.message_count,    s.metadata,
                     s.created_at, s.updated_at, s.ended_at,    s.last_activity_at, {}};
}

session memory_storage::session_row::unpack() const {
  using f = session_field;
  session s;
  s.session_id = packed_string(ids, f::session_id);
  s.conversation_id = packed_string(ids, f::conversation_id);
  s.organization_id = packed_string(ids, f::organization_id);
  s.agent_id = packed_string(ids, f::agent_id);
  s.agent_name = packed_string(ids, f::agent_name);
  s.user_participant_id = packed_string(ids, f::user_participant_id);
  s.agent_participant_id = packed_string(ids, f::agent_participant_id);
  s.thread_id = packed_string(ids, f::thread_id);
  s.status = status;
  s.token_count = token_count;
  s.message_count = message_count;
  s.metadata = metadata;
  s.created_at = created_at;
  s.updated_at = updated_at;
  s.ended_at = ended_at;
  s.last_activity_at = last_activity_at;
  return s;
}

session memory_storage::create_session(session s) {
  std::lock_guard lock(mutex_);
  if (find_row(sessions_, s.session_id) != nullptr) throw_conflict("session", s.session_id);
  insert_session(std::make_unique<session_row>(session_row::pack(s)));
  return s;
}

void memory_storage::insert_session(std::unique_ptr<session_row> new_row) {
  auto& row = add_row(session_rows_, sessions_, std::move(new_row));
  index_for(row.field(session_field::conversation_id)).sessions.push_back(&row);
}

std::optional<session> memory_storage::get_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto* row = find_row(sessions_, id)) return row->unpack();
  return std::nullopt;
}

session memory_storage::update_session(const std::string& id, const session_update& u) {
  std::lock_guard lock(mutex_);
  auto* row = find_row(sessions_, id);
  if (row == nullptr) throw_not_found("session", id);
  if (u.status) row->status = u.status;
  if (u.token_count) row->token_count = u.token_count;
  if (u.message_count) row->message_count = u.message_count;
  if (u.last_activity_at) row->last_activity_at = u.last_activity_at;
  if (u.ended_at) row->ended_at = u.ended_at;
  if (u.metadata) row->metadata = *u.metadata;  // issue 12 (OTP)
  row->updated_at = clock_->now();
  return row->unpack();
}

std::vector<session> memory_storage::list_sessions_by_conversation(const std::string& conv) {
  std::lock_guard lock(mutex_);
  std::vector<session> out;
  const auto* index = find_index(conv);
  if (index == nullptr) return out;
  out.reserve(index->sessions.size());
  for (const auto* row : index->sessions) out.push_back(row->unpack());
  // Oldest createdAt first; a missing createdAt sorts first (§2.4, memory); ties by id.
  std::sort(out.begin(), out.end(), [](const session& a, const session& b) {
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.session_id < b.session_id;
  });
  return out;
}

// ---- multi-record writes --------------------------------------------------------------------

std::optional<session> memory_storage::create_session_records(new_session_records&& r) {
  // The rows are built before the lock (row_list says why). A new conversation's index
  // gets room for the two participants and the session it is about to list.
  auto conversation =
      std::make_unique<conversation_row>(conversation_row{std::move(r.conversation), 0, {}});
  conversation->index.participants.reserve(2);
  conversation->index.sessions.reserve(1);
  auto user = std::make_unique<participant_row>(participant_row::pack(r.user, 0));
  auto agent = std::make_unique<participant_row>(participant_row::pack(r.agent, 0));
  auto session = std::make_unique<session_row>(session_row::pack(r.session));

  std::lock_guard lock(mutex_);
  // Every check before the first write, with persist_new_session's texts: all or none.
  // (A check's probe leaves the index's cache lines warm for the insert that follows.)
  auto refuse = [](const char* step, const char* kind, const std::string& id) {
    throw storage_conflict(std::string(step) + " failed: " + conflict_text(kind, id));
  };
  const auto& c = conversation->value;
  const bool existing = find_idempotent(c.organization_id, c.idempotency_key) != nullptr;
  if (!existing && find_row(conversations_, c.id) != nullptr)
    refuse("create conversation", "conversation", c.id);
  if (find_row(participants_, r.user.id) != nullptr)
    refuse("add user participant", "participant", r.user.id);
  if (find_row(participants_, r.agent.id) != nullptr || r.agent.id == r.user.id)
    refuse("add agent participant", "participant", r.agent.id);
  if (find_row(sessions_, r.session.session_id) != nullptr)
    refuse("create session", "session", r.session.session_id);

  if (!existing) insert_conversation(std::move(conversation));  // else the stored row stays
  insert_participant(std::move(user));
  insert_participant(std::move(agent));
  insert_session(std::move(session));
  return std::move(r.session);
}

// ---- the turn lease ----------------------------------------------------------------------

bool memory_storage::claim_turn(const std::string& session_id, const std::string& owner,
                                std::chrono::milliseconds ttl) {
  require_owner(owner);
  std::lock_guard lock(mutex_);
  auto* row = find_row(sessions_, session_id);
  if (row == nullptr) throw_not_found("session", session_id);
  const auto now = clock_->now();
  auto& lease = row->lease;
  if (!lease.owner.empty() && lease.owner != owner && lease.until > now) return false;
  lease.owner = owner;
  lease.until = now + std::max(ttl, std::chrono::milliseconds(0));
  return true;
}

bool memory_storage::renew_turn(const std::string& session_id, const std::string& owner,
                                std::chrono::milliseconds ttl) {
  require_owner(owner);
  std::lock_guard lock(mutex_);
  auto* row = find_row(sessions_, session_id);
  if (row == nullptr) throw_not_found("session", session_id);
  if (row->lease.owner != owner) return false;
  row->lease.until = clock_->now() + std::max(ttl, std::chrono::milliseconds(0));
  return true;
}

bool memory_storage::release_turn(const std::string& session_id, const std::string& owner) {
  require_owner(owner);
  std::lock_guard lock(mutex_);
  auto* row = find_row(sessions_, session_id);
  if (row == nullptr) throw_not_found("session", session_id);
  if (row->lease.owner != owner) return false;
  row->lease.owner.clear();
  return true;
}

}  // namespace so::adapters
