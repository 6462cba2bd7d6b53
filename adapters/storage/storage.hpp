// adapters/storage/storage.hpp — the storage seam (storage-backplane.md §2).
//
// Thread-safety: implementations may block (a database round trip), so the
// server calls them from the storage pool's detached workers
// (actors/storage_pool.hpp) — never on a CAF scheduler thread or an I/O thread —
// unless `may_block()` says they never do. Several workers call one adapter
// concurrently (jobs of one conversation never overlap), so an implementation
// must be safe to call from several threads at once.
// Errors: every operation throws `storage_error` with a readable message.
#pragma once

#include "protocol/domain.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace so::adapters {

using protocol::conversation;
using protocol::message;
using protocol::participant;
using protocol::session;

struct new_session_records;  // adapters/storage/new_session.hpp

struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A write that reuses an existing primary id (decisions.md: every adapter
/// reports it the same way). Still a storage_error, so callers that only catch
/// storage_error keep working.
struct storage_conflict : storage_error {
  using storage_error::storage_error;
};

/// Present fields replace the stored ones (storage-backplane.md §1.9).
struct conversation_update {
  std::optional<std::string> name;
  std::optional<std::string> metadata_json;
  std::optional<std::string> analytics_json;
};

struct session_update {
  std::optional<std::string> status;
  std::optional<std::uint64_t> token_count;
  std::optional<std::uint64_t> message_count;
  std::optional<protocol::time_point> last_activity_at;
  std::optional<protocol::time_point> ended_at;
  /// Issue 12 (OTP, later-protocol.md §5.4): replaces the whole metadata map.
  std::optional<std::map<std::string, std::string>> metadata;
};

/// Rich Interactions (issue 12; decisions.md "identity intake side effect"): the contact an
/// accepted identity intake writes onto the session's user participant. Present fields
/// replace the stored ones.
struct participant_contact_update {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> phone;
};

/// Paging request (storage-backplane.md §2.3). The cursor is the id of the last
/// message of the previous page; an unknown cursor restarts from the beginning.
struct message_query {
  std::string conversation_id;
  std::size_t limit = 50;
  std::optional<std::string> cursor;
  bool descending = false;  ///< false: oldest first; true: newest first
};

struct message_page {
  std::vector<message> messages;
  std::optional<std::string> next_cursor;  ///< set iff more messages follow
};

/// What a turn replays of one stored message (engine.md: direction and plain text).
struct history_entry {
  protocol::direction direction = protocol::direction::inbound;
  std::string text;  ///< message_content::plain_text()
};

// ---- conversation list and titles (issue 12: conversations) ---------------------------

/// Which conversations `list_conversation_summaries` returns (later-protocol.md §2.2).
struct conversation_list_query {
  std::string organization_id;
  /// Set: only conversations a `user` participant with this email owns (ASCII
  /// case-insensitive; a blank email owns nothing).
  std::optional<std::string> owner_email;
  /// Set: only these conversation ids (a connection that reaches only what it created).
  std::optional<std::vector<std::string>> only_ids;
  std::size_t limit = 50;
  /// How many messages (oldest first) are read per conversation for its summary.
  std::size_t message_scan = 200;
};

/// One listed conversation: the record plus what its first `message_scan` messages say.
struct conversation_summary {
  conversation conv;
  std::size_t message_count = 0;  ///< messages read, at most `message_scan`
  /// Plain text of the first inbound message among those read (none: no inbound one).
  std::optional<std::string> first_user_text;
};

/// The name a conversation gets at create: `Session <sessionId>` of its first session,
/// whose id is also its idempotency key (decisions.md "default conversation name").
inline bool has_default_name(const conversation& c) {
  return c.name == "Session " + c.idempotency_key;
}

class storage;
/// The adapter-independent list (storage.hpp contract), composed from the other calls;
/// adapters may override `list_conversation_summaries` with one query.
std::vector<conversation_summary> compose_conversation_summaries(storage& s,
                                                                 const conversation_list_query& q);

class storage {
 public:
  virtual ~storage() = default;

  /// False when no operation ever waits on I/O or on another thread beyond a
  /// short critical section (the in-memory adapter): the server then runs calls
  /// inline on the calling actor's thread, skipping the worker hop and the
  /// queue. Anything that talks to a database keeps the default.
  virtual bool may_block() const { return true; }

  // ---- conversations --------------------------------------------------------
  /// Idempotent on (organizationId, idempotencyKey): returns the existing row unchanged.
  /// A new key with an existing id is a conflict (storage_conflict).
  virtual conversation create_conversation(conversation c) = 0;
  virtual std::optional<conversation> get_conversation(const std::string& id) = 0;
  /// Newest `createdAt` first.
  virtual std::vector<conversation> list_conversations_by_org(const std::string& org) = 0;
  /// Unknown id → storage_error.
  virtual conversation update_conversation(const std::string& id, const conversation_update& u) = 0;

  // ---- participants ---------------------------------------------------------
  /// A duplicate id is a conflict (storage_conflict), in every adapter (decisions.md).
  virtual participant add_participant(participant p) = 0;
  virtual std::optional<participant> get_participant(const std::string& id) = 0;
  /// Oldest `createdAt` first, ties by id.
  virtual std::vector<participant> list_participants_by_conversation(const std::string& conv) = 0;
  virtual std::optional<participant> resolve_participant_by_external_id(
      const std::string& conv, const std::string& external_id) = 0;
  /// Rich Interactions (issue 12): sets the present contact fields (and updatedAt) of
  /// participant `id`; false when there is none. The default refuses (an adapter
  /// without it cannot record an identity intake in storage).
  virtual bool update_participant_contact(const std::string& id,
                                          const participant_contact_update& u) {
    (void)id;
    (void)u;
    throw storage_error("update_participant_contact is not supported by this adapter");
  }

  // ---- messages ---------------------------------------------------------------
  /// Appends in order; a duplicate id is a conflict (storage_conflict).
  virtual message append_message(message m) = 0;
  virtual std::optional<message> get_message(const std::string& id) = 0;
  virtual message_page list_messages(const message_query& q) = 0;
  /// The newest `limit` messages of `conv`, oldest first, as a turn replays them:
  /// list_messages (descending) reduced to direction and text. An adapter may answer
  /// it without building whole messages: a turn reads 50 of them, and their copies
  /// were a fifth of a streamed turn's CPU (docs/benchmarks.md).
  virtual std::vector<history_entry> recent_history(const std::string& conv, std::size_t limit) {
    message_query q;
    q.conversation_id = conv;
    q.limit = limit;
    q.descending = true;
    auto page = list_messages(q);
    std::vector<history_entry> out;
    out.reserve(page.messages.size());
    for (auto m = page.messages.rbegin(); m != page.messages.rend(); ++m)
      out.push_back(history_entry{m->direction, m->content.plain_text()});
    return out;
  }

  // ---- sessions ----------------------------------------------------------------
  /// A duplicate id is a conflict (storage_conflict).
  virtual session create_session(session s) = 0;
  virtual std::optional<session> get_session(const std::string& id) = 0;
  /// Unknown id → storage_error.
  virtual session update_session(const std::string& id, const session_update& u) = 0;
  /// Oldest `createdAt` first, ties by session id.
  virtual std::vector<session> list_sessions_by_conversation(const std::string& conv) = 0;

  // ---- multi-record writes --------------------------------------------------------
  /// Writes a new session's four records atomically (one database transaction) when
  /// the adapter can; nullopt means "not supported": persist_new_session then writes
  /// them one by one. Errors as persist_new_session's ("create conversation failed: …").
  /// The adapter may move from `r` when it returns a session or throws (the in-memory one
  /// moves the records into its rows); nullopt leaves `r` as it was.
  virtual std::optional<session> create_session_records(new_session_records&& /*r*/) {
    return std::nullopt;
  }

  // ---- the turn lease (issue 9 item 5; ours) --------------------------------------------------
  // One turn per session across every process that shares this storage. A session's
  // lease is (owner, until): `owner` names one server process (actors/services.hpp
  // `turn_owner`), `until` is the ADAPTER's clock at the call plus `ttl` (PostgreSQL:
  // the database's `now()`, so the processes' own clocks never matter). A lease with
  // until <= now is expired: anyone may take it over. Each call is atomic: of two
  // concurrent claims by different owners at most one succeeds. An unknown session or
  // an empty owner is a storage_error in all three (never a silent false).

  /// Takes the slot for `owner` until now + `ttl` when it is free, expired, or already
  /// held by `owner` (re-claiming extends it): true. False, changing nothing, when
  /// another owner holds an unexpired lease.
  virtual bool claim_turn(const std::string& session_id, const std::string& owner,
                          std::chrono::milliseconds ttl) = 0;
  /// Extends `owner`'s lease to now + `ttl`: true when `owner` holds it (expired or
  /// not, as long as nobody took it over); false, changing nothing, when it does not
  /// (lost to another owner, released, never claimed).
  virtual bool renew_turn(const std::string& session_id, const std::string& owner,
                          std::chrono::milliseconds ttl) = 0;
  /// Frees the slot when `owner` holds it: true. False, changing nothing, otherwise
  /// (a release by a non-owner is a no-op).
  virtual bool release_turn(const std::string& session_id, const std::string& owner) = 0;

  // ---- conversation list and titles (issue 12: conversations) ------------------------------
  /// The org's conversations that pass `q`'s filters AND have at least one message, most
  /// recently updated first (ties: the later created first), at most `q.limit`. The
  /// default composes other calls (compose_conversation_summaries).
  virtual std::vector<conversation_summary> list_conversation_summaries(
      const conversation_list_query& q) {
    return compose_conversation_summaries(*this, q);
  }
  /// The auto-title write (later-protocol.md §2.6): sets the name to `title` (and bumps
  /// updatedAt) only while the conversation still has its default name
  /// (has_default_name), as ONE atomic conditional write, so a manual rename that
  /// landed first is never overwritten. True when written; false when the name is no
  /// longer the default or the conversation is unknown. The base version is a read then
  /// a write (not atomic): every adapter of the server overrides it.
  virtual bool set_default_title(const std::string& id, const std::string& title) {
    auto c = get_conversation(id);
    if (!c || !has_default_name(*c)) return false;
    conversation_update u;
    u.name = title;
    update_conversation(id, u);
    return true;
  }
};

using storage_ptr = std::shared_ptr<storage>;

}  // namespace so::adapters
