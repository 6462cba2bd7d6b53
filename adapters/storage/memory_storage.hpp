// adapters/storage/memory_storage.hpp — the in-memory storage adapter (storage-backplane.md §3.1).
//
// Semantics follow storage-backplane.md §2 with the decisions.md fix that a
// reused primary id is a conflict (storage_conflict) rather than a silent
// overwrite. Data lives only as long as the object.
//
// Thread-safety: every operation takes one internal mutex (spinning briefly before it
// sleeps: spinning_mutex.hpp), so the object may be shared between threads. It never
// blocks beyond that short critical section (`may_block()` is false), so the server
// calls it inline on actor threads.
//
// A conversation's `updatedAt` is bumped on every message append (decisions.md), so
// the conversation list is most-recently-active first.
//
// Every per-conversation listing (messages, participants, sessions) reads a
// per-conversation index, never a scan of the whole store: the store grows with
// every session ever created, and a listing must not slow down with it. A create
// allocates its four rows, each packed (packed_fields.hpp), and no index node
// (record_index.hpp): ~1.1 KB kept per created session, index slots included
// (docs/benchmarks.md, "creates: a store a third smaller").
#pragma once

#include "adapters/storage/packed_fields.hpp"
#include "adapters/storage/record_index.hpp"
#include "adapters/storage/spinning_mutex.hpp"
#include "adapters/storage/storage.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters {

class memory_storage final : public storage {
 public:
  /// `clock` stamps `updatedAt` on updates; defaults to the system clock.
  explicit memory_storage(protocol::clock_ptr clock = nullptr);

  bool may_block() const override { return false; }

  conversation create_conversation(conversation c) override;
  std::optional<conversation> get_conversation(const std::string& id) override;
  std::vector<conversation> list_conversations_by_org(const std::string& org) override;
  conversation update_conversation(const std::string& id, const conversation_update& u) override;

  participant add_participant(participant p) override;
  std::optional<participant> get_participant(const std::string& id) override;
  std::vector<participant> list_participants_by_conversation(const std::string& conv) override;
  bool update_participant_contact(const std::string& id,
                                  const participant_contact_update& u) override;
  std::optional<participant> resolve_participant_by_external_id(
      const std::string& conv, const std::string& external_id) override;

  message append_message(message m) override;
  std::optional<message> get_message(const std::string& id) override;
  message_page list_messages(const message_query& q) override;
  /// Reads the texts straight from the rows: no message is copied.
  std::vector<history_entry> recent_history(const std::string& conv, std::size_t limit) override;

  session create_session(session s) override;
  std::optional<session> get_session(const std::string& id) override;
  session update_session(const std::string& id, const session_update& u) override;
  std::vector<session> list_sessions_by_conversation(const std::string& conv) override;

  /// All four records under one lock, all or none: every id is checked before the
  /// first write (the errors are persist_new_session's texts).
  std::optional<session> create_session_records(new_session_records&& r) override;
  /// The turn lease (storage.hpp): expiry by this adapter's clock.
  bool claim_turn(const std::string& session_id, const std::string& owner,
                  std::chrono::milliseconds ttl) override;
  bool renew_turn(const std::string& session_id, const std::string& owner,
                  std::chrono::milliseconds ttl) override;
  bool release_turn(const std::string& session_id, const std::string& owner) override;
  /// Issue 12 (conversations): the conditional write under the one lock (atomic).
  bool set_default_title(const std::string& id, const std::string& title) override;

 private:
  // ---- rows -----------------------------------------------------------------------
  // Rows live in deques (stable addresses; no row is ever erased) and are found through
  // record_index, keyed by fields of the row itself, so an id is stored once (record_index.hpp says
  // why). Each row that has an order remembers its insertion sequence so ties in the ordered
  // listings resolve deterministically (the reference leaves them arbitrary).
  /// The order of a participant's strings in participant_row::fields.
  struct participant_field {
    enum : std::size_t {
      id,
      conversation_id,
      organization_id,
      type,
      external_id,
      internal_id,
      browser_fingerprint,
      browser_info_json,
      name,
      email,
      phone,
      crm_contact_id,
      metadata_json,
      count,  ///< how many
    };
  };
  /// A participant packed into one heap block (packed_fields.hpp says why); its
  /// strings in `participant_field` order, unpacked on the (rare) reads. 56 bytes, so
  /// with its allocation header it fills a 64-byte chunk: a field more would cost 16.
  struct participant_row {
    std::string fields;
    protocol::time_point created_at{};
    protocol::time_point updated_at{};
    /// The conversation's participant before this one (conversation_index).
    const participant_row* next_in_conversation = nullptr;

    std::string_view field(std::size_t f) const {
      return packed_field(fields, f).value_or(std::string_view());
    }
    /// The record's fields; `next_in_conversation` is the caller's.
    static participant_row pack(const participant& p);
    participant unpack() const;
  };
  struct message_row {
    message value;
    std::size_t position;  ///< index in its conversation's order list (if it has one)
  };
  /// A session's turn lease; an empty owner is a free slot, so a claim allocates nothing.
  struct turn_lease {
    std::string owner;
    protocol::time_point until;
  };
  /// The order of a session's strings in session_row::ids.
  struct session_field {
    enum : std::size_t {
      session_id,
      conversation_id,
      organization_id,
      agent_id,
      agent_name,
      user_participant_id,
      agent_participant_id,
      thread_id,  ///< absent: the same as conversation_id (as every created session has it)
      count,      ///< how many
    };
  };
  /// A session: the strings it is created with (no session_update changes them) packed
  /// into one heap block in `session_field` order (packed_fields.hpp says why); status
  /// and metadata, which an update may replace, packed into a second one; the counters
  /// and times as plain values with one presence bit each (an optional per field, a
  /// std::map and a status string were 220 bytes more per session); the turn lease.
  /// 168 bytes: with its allocation header it fills a 176-byte chunk.
  struct session_row {
    /// Bits of `present`: which optional record fields the row has.
    enum presence : std::uint8_t {
      has_token_count = 1,
      has_message_count = 2,
      has_created_at = 4,
      has_updated_at = 8,
      has_ended_at = 16,
      has_last_activity_at = 32,
    };
    std::string ids;
    /// Packed: the status (absent when the record has none), then the metadata's keys
    /// and values, alternating, in key order. Empty (no heap block) for neither.
    std::string status_and_metadata;
    std::uint64_t token_count = 0;
    std::uint64_t message_count = 0;
    protocol::time_point created_at{};
    protocol::time_point updated_at{};
    protocol::time_point ended_at{};
    protocol::time_point last_activity_at{};
    turn_lease lease;
    /// The conversation's session before this one (conversation_index).
    const session_row* next_in_conversation = nullptr;
    std::uint8_t present = 0;

    std::string_view field(std::size_t f) const {
      return packed_field(ids, f).value_or(std::string_view());
    }
    static session_row pack(const session& s);
    /// Applies the fields `u` sets (`metadata` included: issue 12, OTP).
    void update(const session_update& u);
    /// Packs `status` and `metadata` into status_and_metadata.
    void pack_status_and_metadata(const std::optional<std::string>& status,
                                  const std::map<std::string, std::string>& metadata);
    std::optional<std::string> status() const;
    std::map<std::string, std::string> metadata() const;
    session unpack() const;
    /// Sets `field` (one of the presence-tracked ones) when `value` has a value.
    template <class T>
    void set(T& field, const std::optional<T>& value, presence bit) {
      if (!value) return;
      field = *value;
      present |= bit;
    }
  };
  /// The order of a conversation's strings in conversation_row::fields.
  struct conversation_field {
    enum : std::size_t {
      id,
      platform,
      name,  ///< absent: the default name, "Session " + idempotency_key (has_default_name)
      organization_id,
      idempotency_key,
      metadata_json,
      analytics_json,
      count,  ///< how many
    };
  };
  /// What one conversation id has: per-conversation listings read this, never a scan
  /// of the whole store. Participants and sessions are linked through their rows,
  /// newest first (their listings sort; a vector each was two more heap blocks per
  /// created session).
  struct conversation_index {
    std::vector<const message_row*> messages;  ///< append order (the paging order)
    const participant_row* participants = nullptr;
    const session_row* sessions = nullptr;
  };
  /// A conversation packed into one heap block in `conversation_field` order
  /// (packed_fields.hpp says why), unpacked on reads; updates repack it.
  struct conversation_row {
    std::string fields;
    protocol::time_point created_at{};
    protocol::time_point updated_at{};
    std::uint64_t seq = 0;
    conversation_index index;

    std::string_view field(std::size_t f) const {
      return packed_field(fields, f).value_or(std::string_view());
    }
    /// Whether the name is still the default one (storage.hpp's has_default_name).
    bool has_default_name() const { return !packed_field(fields, conversation_field::name); }
    /// The record's fields into a row; `seq` and `index` are the caller's.
    static conversation_row pack(const conversation& c);
    /// Repacks the record's fields, keeping `seq` and `index`.
    void repack(const conversation& c);
    conversation unpack() const;
  };
  /// The index of an id no conversation row has (§1.4 allows records to name one); a
  /// conversation created later with that id takes the index over.
  struct orphan_index {
    std::string conversation_id;
    conversation_index index;
  };

  static std::string_view id_of(const conversation_row& r) {
    return r.field(conversation_field::id);
  }
  static std::string_view id_of(const participant_row& r) { return r.field(participant_field::id); }
  static const std::string& id_of(const message_row& r) { return r.value.id; }
  static std::string_view id_of(const session_row& r) { return r.field(session_field::session_id); }
  static const std::string& id_of(const orphan_index& r) { return r.conversation_id; }

  template <class Row>
  static Row* find_row(const record_index<Row>& index, std::string_view id) {
    return find_row(index, record_hash(id), id);
  }
  /// The same, with the id's record_hash already at hand.
  template <class Row>
  static Row* find_row(const record_index<Row>& index, std::size_t hash, std::string_view id) {
    return index.find(hash, [&id](const Row& r) { return id_of(r) == id; });
  }
  /// Rows of one kind, each allocated on its own: a row is built (allocated, packed, its
  /// pages touched) before mutex_ is taken, so the lock covers only the inserts and the
  /// other io thread never waits on an allocation's page faults (docs/benchmarks.md,
  /// "a new VM, and creates again").
  template <class Row>
  using row_list = std::deque<std::unique_ptr<Row>>;

  template <class Row>
  static Row& add_row(row_list<Row>& rows, record_index<Row>& index, std::unique_ptr<Row> row) {
    const auto hash = record_hash(id_of(*row));
    return add_row(rows, index, std::move(row), hash);
  }
  /// The same, with the row id's record_hash already at hand.
  template <class Row>
  static Row& add_row(row_list<Row>& rows, record_index<Row>& index, std::unique_ptr<Row> row,
                      std::size_t hash) {
    rows.push_back(std::move(row));
    Row& added = *rows.back();
    index.insert(hash, &added);
    return added;
  }

  // Callers hold mutex_ and have checked that the id is free. `hash`: the id's
  // record_hash (the idempotency key's idempotency_hash for `idempotency_hash`).
  conversation_row* find_idempotent(std::string_view org, std::string_view key) const;
  conversation_row* find_idempotent(std::size_t idempotency_hash, std::string_view org,
                                    std::string_view key) const;
  conversation_row& insert_conversation(std::unique_ptr<conversation_row> row, std::size_t hash,
                                        std::size_t idempotency_hash);
  void insert_participant(std::unique_ptr<participant_row> row, std::size_t hash,
                          conversation_index& index);
  void insert_session(std::unique_ptr<session_row> row, std::size_t hash,
                      conversation_index& index);
  /// The index of conversation id `conv`: its row's, else its orphan index (created).
  conversation_index& index_for(std::string_view conv);
  const conversation_index* find_index(std::string_view conv) const;

  protocol::clock_ptr clock_;
  spinning_mutex mutex_;
  std::uint64_t next_seq_ = 0;
  row_list<conversation_row> conversation_rows_;
  row_list<participant_row> participant_rows_;
  row_list<message_row> message_rows_;
  row_list<session_row> session_rows_;
  row_list<orphan_index> orphan_rows_;
  record_index<conversation_row> conversations_;
  /// (organizationId, idempotencyKey) of the conversation rows, as stored.
  record_index<conversation_row> idempotency_;
  record_index<participant_row> participants_;
  record_index<message_row> messages_;
  record_index<session_row> sessions_;
  record_index<orphan_index> orphans_;
};

}  // namespace so::adapters
