// adapters/storage/memory_storage.hpp — the in-memory storage adapter (storage-backplane.md §3.1).
//
// Semantics follow storage-backplane.md §2 with the decisions.md fix that a
// reused primary id is a conflict (storage_conflict) rather than a silent
// overwrite. Data lives only as long as the object.
//
// Thread-safety: every operation takes one internal mutex, so the object may be
// shared between threads. It never blocks beyond that short critical section
// (`may_block()` is false), so the server calls it inline on actor threads.
//
// A conversation's `updatedAt` is bumped on every message append (decisions.md), so
// the conversation list is most-recently-active first.
//
// Every per-conversation listing (messages, participants, sessions) reads a
// per-conversation index, never a scan of the whole store: the store grows with
// every session ever created, and a listing must not slow down with it.
#pragma once

#include "adapters/storage/storage.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
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

  session create_session(session s) override;
  std::optional<session> get_session(const std::string& id) override;
  session update_session(const std::string& id, const session_update& u) override;
  std::vector<session> list_sessions_by_conversation(const std::string& conv) override;

  /// All four records under one lock, all or none: every id is checked before the
  /// first write (the errors are persist_new_session's texts).
  std::optional<session> create_session_records(const new_session_records& r) override;
  /// The turn lease (storage.hpp): expiry by this adapter's clock.
  bool claim_turn(const std::string& session_id, const std::string& owner,
                  std::chrono::milliseconds ttl) override;
  bool renew_turn(const std::string& session_id, const std::string& owner,
                  std::chrono::milliseconds ttl) override;
  bool release_turn(const std::string& session_id, const std::string& owner) override;
  /// Issue 12 (conversations): the conditional write under the one lock (atomic).
  bool set_default_title(const std::string& id, const std::string& title) override;

 private:
  // Each row remembers its insertion sequence so ties in the ordered listings
  // resolve deterministically (the reference leaves them arbitrary).
  struct conversation_row {
    conversation value;
    std::uint64_t seq;
  };
  struct participant_row {
    participant value;
    std::uint64_t seq;
  };
  struct message_row {
    message value;
    std::size_t position;  ///< index in its conversation's order list (if it has one)
  };

  /// What one conversation id has, in insertion order. Pointers into the row maps:
  /// unordered_map nodes never move and no row is ever erased.
  struct conversation_index {
    std::vector<const message_row*> messages;  ///< append order (the paging order)
    std::vector<const participant_row*> participants;
    std::vector<const session*> sessions;
  };

  // Unlocked inserts: callers hold mutex_ and have checked the id is free.
  conversation& insert_conversation(conversation c, std::string idempotency_index_key);
  participant& insert_participant(participant p);
  session& insert_session(session s);

  protocol::clock_ptr clock_;
  std::mutex mutex_;
  std::uint64_t next_seq_ = 0;
  std::unordered_map<std::string, conversation_row> conversations_;
  /// idempotency_index_key(organizationId, idempotencyKey) → conversation id. Hashed:
  /// an ordered map of string pairs spent most of a create comparing equal org prefixes.
  std::unordered_map<std::string, std::string> idempotency_;
  std::unordered_map<std::string, participant_row> participants_;
  std::unordered_map<std::string, message_row> messages_;
  std::unordered_map<std::string, session> sessions_;
  /// conversation id → its rows; also for ids no conversation row has (§1.4 allows it).
  std::unordered_map<std::string, conversation_index> by_conversation_;
  /// A session's turn lease; an empty owner is a free slot. Entries stay after a
  /// release (at most one per session), so a turn's claim allocates nothing.
  struct turn_lease {
    std::string owner;
    protocol::time_point until;
  };
  std::unordered_map<std::string, turn_lease> leases_;
};

}  // namespace so::adapters
