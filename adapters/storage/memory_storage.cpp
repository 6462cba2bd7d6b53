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
std::size_t idempotency_hash(std::string_view org, std::string_view key) {
  const std::size_t h = record_hash(org);
  return h ^ (record_hash(key) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
}

}  // namespace

memory_storage::memory_storage(protocol::clock_ptr clock)
    : clock_(clock ? std::move(clock) : std::make_shared<protocol::system_clock>()) {}

// ---- indexes --------------------------------------------------------------------------------

memory_storage::conversation_row* memory_storage::find_idempotent(std::string_view org,
                                                                  std::string_view key) const {
  return find_idempotent(idempotency_hash(org, key), org, key);
}

memory_storage::conversation_row* memory_storage::find_idempotent(std::size_t hash,
                                                                  std::string_view org,
                                                                  std::string_view key) const {
  return idempotency_.find(hash, [&](const conversation_row& r) {
    return r.field(conversation_field::organization_id) == org &&
           r.field(conversation_field::idempotency_key) == key;
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

memory_storage::conversation_row memory_storage::conversation_row::pack(const conversation& c) {
  conversation_row row;
  row.repack(c);
  return row;
}

void memory_storage::conversation_row::repack(const conversation& c) {
  const bool default_name = adapters::has_default_name(c);
  packed_fields_writer w(packed_size(
      conversation_field::count, c.id.size() + c.platform.size() +
                                     (default_name ? 0 : c.name.size()) + c.organization_id.size() +
                                     c.idempotency_key.size() + packed_bytes(c.metadata_json) +
                                     packed_bytes(c.analytics_json)));
  // In conversation_field order.
  w.add(c.id).add(c.platform);
  if (default_name)
    w.add(std::optional<std::string>());
  else
    w.add(c.name);
  w.add(c.organization_id).add(c.idempotency_key).add(c.metadata_json).add(c.analytics_json);
  fields = w.finish();
  created_at = c.created_at;
  updated_at = c.updated_at;
}

conversation memory_storage::conversation_row::unpack() const {
  using f = conversation_field;
  conversation c;
  c.id = packed_string(fields, f::id);
  c.platform = packed_string(fields, f::platform);
  c.organization_id = packed_string(fields, f::organization_id);
  c.idempotency_key = packed_string(fields, f::idempotency_key);
  if (auto name = packed_field(fields, f::name))
    c.name = std::string(*name);
  else
    c.name = "Session " + c.idempotency_key;
  c.metadata_json = packed_optional(fields, f::metadata_json);
  c.analytics_json = packed_optional(fields, f::analytics_json);
  c.created_at = created_at;
  c.updated_at = updated_at;
  return c;
}

conversation memory_storage::create_conversation(conversation c) {
  std::lock_guard lock(mutex_);
  if (auto* hit = find_idempotent(c.organization_id, c.idempotency_key))
    return hit->unpack();  // idempotent: the stored row, input discarded
  if (find_row(conversations_, c.id) != nullptr) throw_conflict("conversation", c.id);
  insert_conversation(std::make_unique<conversation_row>(conversation_row::pack(c)),
                      record_hash(c.id), idempotency_hash(c.organization_id, c.idempotency_key));
  return c;
}

memory_storage::conversation_row& memory_storage::insert_conversation(
    std::unique_ptr<conversation_row> new_row, std::size_t hash, std::size_t idempotency_hash) {
  // Records that named this id before it had a row keep their order (§1.4).
  if (orphans_.size() != 0)
    if (auto* orphan = find_row(orphans_, hash, id_of(*new_row)))
      new_row->index = std::exchange(orphan->index, {});
  new_row->seq = next_seq_++;
  auto& row = add_row(conversation_rows_, conversations_, std::move(new_row), hash);
  idempotency_.insert(idempotency_hash, &row);
  return row;
}

std::optional<conversation> memory_storage::get_conversation(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto* row = find_row(conversations_, id)) return row->unpack();
  return std::nullopt;
}

std::vector<conversation> memory_storage::list_conversations_by_org(const std::string& org) {
  std::lock_guard lock(mutex_);
  std::vector<const conversation_row*> rows;
  for (const auto& row : conversation_rows_) {
    if (row->field(conversation_field::organization_id) == org) rows.push_back(row.get());
  }
  // Newest createdAt first; among equal timestamps the later insert first.
  std::sort(rows.begin(), rows.end(), [](const conversation_row* a, const conversation_row* b) {
    if (a->created_at != b->created_at) return a->created_at > b->created_at;
    return a->seq > b->seq;
  });
  std::vector<conversation> out;
  out.reserve(rows.size());
  for (const auto* row : rows) out.push_back(row->unpack());
  return out;
}

conversation memory_storage::update_conversation(const std::string& id,
                                                 const conversation_update& u) {
  std::lock_guard lock(mutex_);
  auto* row = find_row(conversations_, id);
  if (row == nullptr) throw_not_found("conversation", id);
  auto c = row->unpack();
  if (u.name) c.name = *u.name;
  if (u.metadata_json) c.metadata_json = u.metadata_json;
  if (u.analytics_json) c.analytics_json = u.analytics_json;
  c.updated_at = clock_->now();
  row->repack(c);
  return c;
}

bool memory_storage::set_default_title(const std::string& id, const std::string& title) {
  std::lock_guard lock(mutex_);
  auto* row = find_row(conversations_, id);
  if (row == nullptr || !row->has_default_name()) return false;
  auto c = row->unpack();
  c.name = title;
  c.updated_at = clock_->now();
  row->repack(c);
  return true;
}

// ---- participants -----------------------------------------------------------------------

memory_storage::participant_row memory_storage::participant_row::pack(const participant& p) {
  packed_fields_writer w(
      packed_size(participant_field::count,
                  p.id.size() + p.conversation_id.size() + p.organization_id.size() +
                      p.type.size() + packed_bytes(p.external_id) + packed_bytes(p.internal_id) +
                      packed_bytes(p.browser_fingerprint) + packed_bytes(p.browser_info_json) +
                      p.name.size() + packed_bytes(p.email) + packed_bytes(p.phone) +
                      packed_bytes(p.crm_contact_id) + packed_bytes(p.metadata_json)));
  // In participant_field order.
  w.add(p.id).add(p.conversation_id).add(p.organization_id).add(p.type);
  w.add(p.external_id).add(p.internal_id).add(p.browser_fingerprint).add(p.browser_info_json);
  w.add(p.name).add(p.email).add(p.phone).add(p.crm_contact_id).add(p.metadata_json);
  return participant_row{w.finish(), p.created_at, p.updated_at};
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
  insert_participant(std::make_unique<participant_row>(participant_row::pack(p)), record_hash(p.id),
                     index_for(p.conversation_id));
  return p;
}

void memory_storage::insert_participant(std::unique_ptr<participant_row> new_row, std::size_t hash,
                                        conversation_index& index) {
  auto& row = add_row(participant_rows_, participants_, std::move(new_row), hash);
  row.next_in_conversation = std::exchange(index.participants, &row);
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
  auto packed = participant_row::pack(p);
  row->fields = std::move(packed.fields);
  row->updated_at = packed.updated_at;
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
  for (const auto* row = index->participants; row != nullptr; row = row->next_in_conversation)
    out.push_back(row->unpack());
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
  // Several matches: the earliest createdAt wins (as Postgres does), then the earliest
  // insert: the list runs newest first, so a tie goes to the later one in it.
  const participant_row* best = nullptr;
  for (const auto* row = index->participants; row != nullptr; row = row->next_in_conversation) {
    if (packed_field(row->fields, participant_field::external_id) != external_id) continue;
    if (best == nullptr || row->created_at <= best->created_at) best = row;
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
    if (conversation) conversation->updated_at = clock_->now();
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
  const bool own_thread = s.thread_id != s.conversation_id;
  packed_fields_writer w(packed_size(
      session_field::count, s.session_id.size() + s.conversation_id.size() +
                                s.organization_id.size() + s.agent_id.size() + s.agent_name.size() +
                                s.user_participant_id.size() + s.agent_participant_id.size() +
                                (own_thread ? s.thread_id.size() : 0)));
  // In session_field order.
  w.add(s.session_id).add(s.conversation_id).add(s.organization_id).add(s.agent_id);
  w.add(s.agent_name).add(s.user_participant_id).add(s.agent_participant_id);
  if (own_thread)
    w.add(s.thread_id);
  else
    w.add(std::optional<std::string>());
  session_row row;
  row.ids = w.finish();
  row.pack_status_and_metadata(s.status, s.metadata);
  session_update counters;
  counters.token_count = s.token_count;
  counters.message_count = s.message_count;
  counters.ended_at = s.ended_at;
  counters.last_activity_at = s.last_activity_at;
  row.update(counters);
  row.set(row.created_at, s.created_at, has_created_at);
  row.set(row.updated_at, s.updated_at, has_updated_at);
  return row;
}

void memory_storage::session_row::update(const session_update& u) {
  if (u.status || u.metadata)
    pack_status_and_metadata(u.status ? u.status : status(), u.metadata ? *u.metadata : metadata());
  set(token_count, u.token_count, has_token_count);
  set(message_count, u.message_count, has_message_count);
  set(ended_at, u.ended_at, has_ended_at);
  set(last_activity_at, u.last_activity_at, has_last_activity_at);
}

void memory_storage::session_row::pack_status_and_metadata(
    const std::optional<std::string>& new_status,
    const std::map<std::string, std::string>& new_metadata) {
  if (!new_status && new_metadata.empty()) {
    status_and_metadata = std::string();
    return;
  }
  std::size_t bytes = new_status ? new_status->size() : 0;
  for (const auto& [key, value] : new_metadata) bytes += key.size() + value.size();
  packed_fields_writer w(packed_size(1 + 2 * new_metadata.size(), bytes));
  w.add(new_status);
  for (const auto& [key, value] : new_metadata) w.add(key).add(value);
  status_and_metadata = w.finish();
}

std::optional<std::string> memory_storage::session_row::status() const {
  return packed_optional(status_and_metadata, 0);
}

std::map<std::string, std::string> memory_storage::session_row::metadata() const {
  std::map<std::string, std::string> out;
  for (std::size_t i = 1;; i += 2) {
    const auto key = packed_field(status_and_metadata, i);
    if (!key) return out;
    out.emplace(std::string(*key), packed_string(status_and_metadata, i + 1));
  }
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
  s.thread_id = packed_optional(ids, f::thread_id).value_or(s.conversation_id);
  auto get = [this](const auto& field, presence bit) {
    return (present & bit) != 0 ? std::make_optional(field) : std::nullopt;
  };
  s.status = status();
  s.token_count = get(token_count, has_token_count);
  s.message_count = get(message_count, has_message_count);
  s.metadata = metadata();
  s.created_at = get(created_at, has_created_at);
  s.updated_at = get(updated_at, has_updated_at);
  s.ended_at = get(ended_at, has_ended_at);
  s.last_activity_at = get(last_activity_at, has_last_activity_at);
  return s;
}

session memory_storage::create_session(session s) {
  std::lock_guard lock(mutex_);
  if (find_row(sessions_, s.session_id) != nullptr) throw_conflict("session", s.session_id);
  insert_session(std::make_unique<session_row>(session_row::pack(s)), record_hash(s.session_id),
                 index_for(s.conversation_id));
  return s;
}

void memory_storage::insert_session(std::unique_ptr<session_row> new_row, std::size_t hash,
                                    conversation_index& index) {
  auto& row = add_row(session_rows_, sessions_, std::move(new_row), hash);
  row.next_in_conversation = std::exchange(index.sessions, &row);
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
  row->update(u);
  row->set(row->updated_at, std::optional(clock_->now()), session_row::has_updated_at);
  return row->unpack();
}

std::vector<session> memory_storage::list_sessions_by_conversation(const std::string& conv) {
  std::lock_guard lock(mutex_);
  std::vector<session> out;
  const auto* index = find_index(conv);
  if (index == nullptr) return out;
  for (const auto* row = index->sessions; row != nullptr; row = row->next_in_conversation)
    out.push_back(row->unpack());
  // Oldest createdAt first; a missing createdAt sorts first (§2.4, memory); ties by id.
  std::sort(out.begin(), out.end(), [](const session& a, const session& b) {
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.session_id < b.session_id;
  });
  return out;
}

// ---- multi-record writes --------------------------------------------------------------------

std::optional<session> memory_storage::create_session_records(new_session_records&& r) {
  // The rows are built before the lock (row_list says why).
  auto conversation = std::make_unique<conversation_row>(conversation_row::pack(r.conversation));
  auto user = std::make_unique<participant_row>(participant_row::pack(r.user));
  auto agent = std::make_unique<participant_row>(participant_row::pack(r.agent));
  auto session = std::make_unique<session_row>(session_row::pack(r.session));
  const auto& c = r.conversation;
  const auto conversation_hash = record_hash(c.id);
  const auto key_hash = idempotency_hash(c.organization_id, c.idempotency_key);
  const auto user_hash = record_hash(r.user.id);
  const auto agent_hash = record_hash(r.agent.id);
  const auto session_hash = record_hash(r.session.session_id);

  std::lock_guard lock(mutex_);
  // The five probes below each miss the cache in a large store: started together,
  // the misses overlap (docs/benchmarks.md, "creates: a store a third smaller").
  idempotency_.prefetch(key_hash);
  conversations_.prefetch(conversation_hash);
  participants_.prefetch(user_hash);
  participants_.prefetch(agent_hash);
  sessions_.prefetch(session_hash);
  // Every check before the first write, with persist_new_session's texts: all or none.
  // (A check's probe leaves the index's cache lines warm for the insert that follows.)
  auto refuse = [](const char* step, const char* kind, const std::string& id) {
    throw storage_conflict(std::string(step) + " failed: " + conflict_text(kind, id));
  };
  auto* existing = find_idempotent(key_hash, c.organization_id, c.idempotency_key);
  if (existing == nullptr && find_row(conversations_, conversation_hash, c.id) != nullptr)
    refuse("create conversation", "conversation", c.id);
  if (find_row(participants_, user_hash, r.user.id) != nullptr)
    refuse("add user participant", "participant", r.user.id);
  if (find_row(participants_, agent_hash, r.agent.id) != nullptr || r.agent.id == r.user.id)
    refuse("add agent participant", "participant", r.agent.id);
  if (find_row(sessions_, session_hash, r.session.session_id) != nullptr)
    refuse("create session", "session", r.session.session_id);

  // An idempotent hit keeps the stored row. Each record is listed under the id it names.
  conversation_index* fresh =
      existing != nullptr
          ? nullptr
          : &insert_conversation(std::move(conversation), conversation_hash, key_hash).index;
  auto index_of = [&](const std::string& conv) -> conversation_index& {
    return fresh != nullptr && conv == c.id ? *fresh : index_for(conv);
  };
  insert_participant(std::move(user), user_hash, index_of(r.user.conversation_id));
  insert_participant(std::move(agent), agent_hash, index_of(r.agent.conversation_id));
  insert_session(std::move(session), session_hash, index_of(r.session.conversation_id));
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
