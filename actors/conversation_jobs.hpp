// actors/conversation_jobs.hpp — the storage jobs of the conversation actions
// (later-protocol.md §2.1 resume, §2.2 list_conversations, §2.5 rename_conversation).
//
// Each function is the body of ONE storage-pool job (actors/storage_calls.hpp): it runs
// on a storage worker (or inline for storage that never blocks), takes everything it
// needs by value, touches no actor state, and throws storage_error with the text the
// client sees. The connection actor submits them and answers. Scope rules are
// actors/connection_scope.hpp's: a conversation out of scope reads exactly like a
// missing one. Thread-safety: plain functions over their arguments.
#pragma once

#include "actors/connection_scope.hpp"
#include "adapters/storage/storage.hpp"
#include "protocol/conversation_events.hpp"
#include "protocol/domain.hpp"

#include <optional>
#include <string>
#include <vector>

namespace so::actors {

/// Who reads: the connection's scope, and whether the conversation in question is one
/// the connection already reaches (created or verified earlier on this socket).
struct conversation_reader {
  connection_scope scope;
  bool already_reachable = false;
};

// ---- list_conversations -----------------------------------------------------------------

/// How many messages per conversation the list reads (the title and messageCount).
inline constexpr std::size_t list_message_scan = 200;

/// The listed conversations of `org` that `scope` reaches, titled (later-protocol.md
/// §2.2). `reachable`: the ids a `denied` connection reaches (what it created). A
/// storage failure throws storage_error("failed to list conversations: …").
std::vector<protocol::events::listed_conversation> list_conversations_job(
    adapters::storage& store, const connection_scope& scope, const std::string& org,
    const std::vector<std::string>& reachable, std::size_t limit);

// ---- rename_conversation ------------------------------------------------------------------

enum class rename_outcome { renamed, not_found };

/// Steps 3–5 of later-protocol.md §2.5: read (storage_error "failed to load
/// conversation: …"), scope check (not_found), write the name (storage_error "failed to
/// rename conversation: …"). `title` is already sanitized.
rename_outcome rename_conversation_job(adapters::storage& store, const conversation_reader& who,
                                       const std::string& conversation_id,
                                       const std::string& title);

// ---- resume on create_conversation_session ------------------------------------------------

/// What a resume needs from the create frame and the connection.
struct resume_request {
  std::string conversation_id;
  std::string agent_id;
  std::string user_name;                  ///< for a new user participant
  std::optional<std::string> user_email;  ///< creator_email(): principal's, else frame's
  std::optional<std::string> browser_fingerprint;
  conversation_reader who;
  std::string session_id;  ///< minted by the caller
  protocol::time_point now{};
  /// Rich Interactions (later-protocol.md §1.2): the list declared on this create, which
  /// replaces the conversation's; nullopt inherits the conversation's stored list.
  std::optional<std::vector<std::string>> supports;
};

/// A resumed session: the stored session record and the conversation it continues.
struct resumed_session {
  protocol::session session;
  protocol::conversation conversation;
};

/// Resumes `conversation_id` when it exists and `who` may read it: a new session in the
/// CONVERSATION's org; the user participant is reused when one has the creator's email
/// (or, without an email, when one has none), the agent participant when one stands for
/// the same agent id; otherwise new ones are added (decisions.md "resume adds
/// participants"). nullopt: missing or not readable — the caller creates a fresh
/// conversation (no existence oracle). Storage errors throw (the caller also creates
/// fresh, as the reference does).
std::optional<resumed_session> resume_session_job(adapters::storage& store,
                                                  const resume_request& r);

}  // namespace so::actors
