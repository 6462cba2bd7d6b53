// adapters/storage/postgres_storage.hpp — the storage seam on PostgreSQL (libpq), issue 9.
//
// Semantics are the in-memory adapter's (tests/adapters/storage_contract.hpp runs
// unchanged against both): idempotent conversation create on (org, idempotency key);
// present-fields-replace updates stamped from the clock; message paging by the
// database-assigned `seq` with the id of the last message as cursor (a cursor that
// is not a message of the queried conversation restarts from the beginning, as in
// memory); a reused primary id is storage_conflict with the in-memory adapter's text.
// Every statement is prepared and every value bound; nothing user-supplied is ever
// spliced into SQL. `create_session_records` writes its four records in one
// transaction. Timestamps are stored as timestamptz (microseconds: a round trip
// truncates nanoseconds). The turn lease lives in `turn_owner` / `turn_lease_until`
// of conversation_sessions (migration 2); each lease call is one atomic UPDATE whose
// WHERE clause is the whole rule, so concurrent claims from several processes are
// decided by the database's row lock (at most one wins).
//
// Construction connects once and migrates the schema (postgres_schema.hpp); it
// throws storage_error when the database is unreachable or newer than the binary,
// so a server never boots on a database it cannot use.
//
// A message append also bumps its conversation's `updatedAt` in the same statement
// (decisions.md: the list is most-recently-active first).
//
// Durability: each call returns only after its statement (or transaction) has
// committed, so a caller that acknowledges after the call returned never
// acknowledges something a crash can lose.
//
// Thread-safety: calls block on the network (`may_block()` is true: the server runs
// them on its storage workers). Any number of threads may call at once; each call
// checks a connection out of a pool of at most `max_connections` (postgres_pool.hpp).
// Append order (`seq`) equals commit order for appends that do not overlap in time
// — the server's storage pool runs one conversation's jobs one at a time.
#pragma once

#include "adapters/storage/postgres_pool.hpp"
#include "adapters/storage/storage.hpp"
#include "protocol/clock.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace so::adapters {

class postgres_storage final : public storage {
 public:
  struct options {
    std::size_t max_connections = 4;  ///< the server passes SMOOTH_AGENT_STORAGE_WORKERS
    protocol::clock_ptr clock;        ///< stamps `updatedAt` on updates; null = system clock
    pg::pool::options pool;           ///< backoff and timeouts (max_connections overrides)
  };

  /// Connects to `conninfo` (URL or key=value) and migrates. Throws storage_error.
  postgres_storage(std::string conninfo, options opts);

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

  std::optional<session> create_session_records(new_session_records&& r) override;

  /// The turn lease (storage.hpp): one UPDATE each, expiry by the DATABASE clock
  /// (`now()`), so processes on hosts with skewed clocks still agree on expiry.
  bool claim_turn(const std::string& session_id, const std::string& owner,
                  std::chrono::milliseconds ttl) override;
  bool renew_turn(const std::string& session_id, const std::string& owner,
                  std::chrono::milliseconds ttl) override;
  bool release_turn(const std::string& session_id, const std::string& owner) override;

  /// Issue 12 (conversations): the list in one query (filters, ordering and the
  /// per-conversation message scan in SQL), and the auto-title as one conditional
  /// UPDATE (`WHERE name = 'Session ' || idempotency_key`), so a rename that committed
  /// first is never overwritten.
  std::vector<conversation_summary> list_conversation_summaries(
      const conversation_list_query& q) override;
  bool set_default_title(const std::string& id, const std::string& title) override;

  /// Connections currently open (tests).
  std::size_t open_connections() const { return pool_.open_connections(); }

 private:
  protocol::clock_ptr clock_;
  pg::pool pool_;
};

}  // namespace so::adapters
