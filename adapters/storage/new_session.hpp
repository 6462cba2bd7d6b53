// adapters/storage/new_session.hpp — the four records `create_conversation_session`
// persists, and the one function that persists them in order.
//
// A new session touches no actor: the connection that creates it persists the records
// (inline for storage that never blocks) and answers. The session actor is spawned
// by the directory on the session's first use, exactly as for a session created by
// another process sharing the storage (decisions.md). So a burst of creates costs no
// actor spawn, no directory hop and no idle timer.
// Thread-safety: a plain function; it calls the adapter from the calling thread.
#pragma once

#include "adapters/storage/storage.hpp"
#include "protocol/domain.hpp"

namespace so::adapters {

struct new_session_records {
  protocol::conversation conversation;
  protocol::participant user;
  protocol::participant agent;
  protocol::session session;
};

/// Persists conversation, user participant, agent participant and session, in
/// that order, stopping at the first failure with the reference's texts
/// ("create conversation failed: …", thrown as storage_error); earlier writes are
/// not rolled back. Returns the stored session.
protocol::session persist_new_session(storage& st, new_session_records r);

}  // namespace so::adapters
