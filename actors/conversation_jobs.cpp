// actors/conversation_jobs.cpp — see conversation_jobs.hpp.
#include "actors/conversation_jobs.hpp"

#include "protocol/conversation_titles.hpp"
#include "protocol/ids.hpp"
#include "protocol/interactions.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>

namespace so::actors {

namespace {

bool blank(const std::optional<std::string>& s) {
  return !s || std::all_of(s->begin(), s->end(), [](unsigned char c) { return std::isspace(c); });
}

/// Whether `who` may read the conversation (connection_scope.hpp's rules).
bool readable(const conversation_reader& who, const protocol::conversation& c,
              const std::vector<protocol::participant>& participants) {
  switch (who.scope.kind) {
    case scope_kind::unscoped:
      return true;
    case scope_kind::denied:
      return who.already_reachable;
    case scope_kind::user:
      if (who.already_reachable) return true;
      // Another org's conversation is missing to this principal, whoever its user is.
      return c.organization_id == who.scope.org && owned_by(participants, who.scope.email);
  }
  return false;
}

template <class Fn>
auto with_prefix(const char* prefix, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    throw adapters::storage_error(std::string(prefix) + e.what());
  }
}

}  // namespace

std::vector<protocol::events::listed_conversation> list_conversations_job(
    adapters::storage& store, const connection_scope& scope, const std::string& org,
    const std::vector<std::string>& reachable, std::size_t limit) {
  adapters::conversation_list_query q;
  q.organization_id = org;
  q.limit = limit;
  q.message_scan = list_message_scan;
  if (scope.kind == scope_kind::user) q.owner_email = scope.email;
  if (scope.kind == scope_kind::denied) q.only_ids = reachable;
  auto rows = with_prefix("failed to list conversations: ",
                          [&] { return store.list_conversation_summaries(q); });
  std::vector<protocol::events::listed_conversation> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back({row.conv.id,
                   protocol::list_title(row.conv.name, adapters::has_default_name(row.conv),
                                        row.first_user_text),
                   row.conv.updated_at, row.message_count});
  }
  return out;
}

rename_outcome rename_conversation_job(adapters::storage& store, const conversation_reader& who,
                                       const std::string& conversation_id,
                                       const std::string& title) {
  auto conv = with_prefix("failed to load conversation: ",
                          [&] { return store.get_conversation(conversation_id); });
  if (!conv) return rename_outcome::not_found;
  if (who.scope.kind == scope_kind::user && !who.already_reachable) {
    // A failed ownership read is "not readable" (later-protocol.md §2.3).
    try {
      if (!readable(who, *conv, store.list_participants_by_conversation(conversation_id)))
        return rename_outcome::not_found;
    } catch (const std::exception&) {
      return rename_outcome::not_found;
    }
  } else if (!readable(who, *conv, {})) {
    return rename_outcome::not_found;
  }
  adapters::conversation_update u;
  u.name = title;
  with_prefix("failed to rename conversation: ",
              [&] { return store.update_conversation(conversation_id, u); });
  return rename_outcome::renamed;
}

std::optional<resumed_session> resume_session_job(adapters::storage& store,
                                                  const resume_request& r) {
  auto conv = store.get_conversation(r.conversation_id);
  if (!conv) return std::nullopt;
  const auto participants = store.list_participants_by_conversation(conv->id);
  if (!readable(r.who, *conv, participants)) return std::nullopt;

  const std::string& org = conv->organization_id;
  // The user participant: the same email (or, without one, an email-less user) is the
  // same person coming back.
  const protocol::participant* user = nullptr;
  const protocol::participant* agent = nullptr;
  for (const auto& p : participants) {
    if (!user && p.type == "user") {
      if (blank(r.user_email) ? blank(p.email) : (p.email && same_email(*p.email, *r.user_email)))
        user = &p;
    }
    if (!agent && p.type == "ai-agent" && p.internal_id == r.agent_id) agent = &p;
  }

  protocol::session s;
  s.session_id = r.session_id;
  s.conversation_id = conv->id;
  s.organization_id = org;
  s.agent_id = r.agent_id;
  s.agent_name = "smooth-agent";
  s.thread_id = conv->id;
  s.status = "active";
  s.token_count = 0;
  s.message_count = 0;
  s.created_at = s.updated_at = s.last_activity_at = r.now;

  if (user) {
    s.user_participant_id = user->id;
  } else {
    protocol::participant p;
    p.id = protocol::new_uuid_v4();
    p.conversation_id = conv->id;
    p.organization_id = org;
    p.type = "user";
    p.name = r.user_name;
    p.email = r.user_email;
    p.browser_fingerprint = r.browser_fingerprint;
    p.created_at = p.updated_at = r.now;
    s.user_participant_id = store.add_participant(p).id;
  }
  if (agent) {
    s.agent_participant_id = agent->id;
  } else {
    protocol::participant p;
    p.id = protocol::new_uuid_v4();
    p.conversation_id = conv->id;
    p.organization_id = org;
    p.type = "ai-agent";
    p.internal_id = r.agent_id;
    p.name = "smooth-agent";
    p.created_at = p.updated_at = r.now;
    s.agent_participant_id = store.add_participant(p).id;
  }
  // Rich Interactions (later-protocol.md §1.2): a declared list replaces the stored one
  // (a failed write is only logged: the session still gets the declared list); an
  // undeclared one inherits what the conversation holds.
  namespace ix = protocol::interactions;
  const auto supports = r.supports ? *r.supports : ix::client_supports_of(conv->metadata_json);
  if (r.supports) {
    adapters::conversation_update u;
    u.metadata_json = ix::metadata_replacing_client_supports(conv->metadata_json, *r.supports);
    try {
      *conv = store.update_conversation(conv->id, u);
    } catch (const std::exception& e) {
      spdlog::warn("resume of conversation {}: storing its supports failed: {}", conv->id,
                   e.what());
    }
  }
  if (!supports.empty()) s.metadata[std::string(ix::supports_key)] = ix::supports_json(supports);
  if (r.user_email) s.metadata["contactEmail"] = ix::json_string(*r.user_email);
  return resumed_session{store.create_session(s), std::move(*conv)};
}

}  // namespace so::actors
