// actors/connection_scope.hpp — per-user scoping of WebSocket reads (admin-auth.md §9).
//
// Each connection gets a scope when its token is verified:
//   unscoped — single-user auth modes (`none`, `local-token`, `disabled`, no
//              authenticator): every conversation of the process is reachable;
//   user     — a verified principal with an email: conversations of the principal's
//              org whose `user` participant has that email (ASCII case-insensitive;
//              blank never matches) — the same email in another org owns nothing here;
//   denied   — multi-user mode with no email (anonymous, or a principal without one):
//              only conversations this connection created itself.
// A conversation out of scope must read exactly like a missing one (the connection
// actor answers with the not-found error of the action). Pure functions over their
// arguments; thread-safe.
#pragma once

#include "adapters/auth/principal.hpp"
#include "protocol/domain.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace so::actors {

enum class scope_kind { unscoped, user, denied };

struct connection_scope {
  scope_kind kind = scope_kind::unscoped;
  std::string email;  ///< set iff kind == user
  std::string org;    ///< kind == user: the principal's org (org isolation on /ws)
};

/// The scope of a connection from its verification result.
inline connection_scope scope_for(bool single_user,
                                  const std::optional<adapters::auth::principal>& who) {
  if (single_user) return {scope_kind::unscoped, {}, {}};
  if (who && who->email && !who->email->empty())
    return {scope_kind::user, *who->email, who->org_id};
  return {scope_kind::denied, {}, {}};
}

/// ASCII case-insensitive equality; a blank side never matches.
inline bool same_email(const std::string& a, const std::string& b) {
  const auto blank = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
  };
  if (blank(a) || blank(b) || a.size() != b.size()) return false;
  return std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

/// Whether `email` owns a conversation with these participants (a `user` participant
/// with that email, storage-backplane.md §13).
inline bool owned_by(const std::vector<protocol::participant>& participants,
                     const std::string& email) {
  return std::any_of(participants.begin(), participants.end(), [&](const auto& p) {
    return p.type == "user" && p.email && same_email(*p.email, email);
  });
}

/// The email stamped on a new session's user participant: the principal's wins over
/// the frame's `userEmail` (admin-auth.md §9).
inline std::optional<std::string> creator_email(const std::optional<adapters::auth::principal>& who,
                                                const std::optional<std::string>& frame_email) {
  if (who && who->email && !who->email->empty()) return who->email;
  return frame_email;
}

}  // namespace so::actors
