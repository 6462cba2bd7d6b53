// adapters/auth/principal.hpp — who a verified credential says the caller is
// (admin-auth.md §1.6–§1.7, §9 `email`).
//
// Plain values, no behaviour beyond the role order. Thread-safety: immutable once
// built; copy freely between threads.
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"

#include <optional>
#include <string>
#include <vector>

namespace so::adapters::auth {

/// Total order: basic < curator < admin (admin-auth.md §1.7).
enum class role { basic = 0, curator = 1, admin = 2 };

inline const char* role_name(role r) {
  switch (r) {
    case role::basic:
      return "basic";
    case role::curator:
      return "curator";
    case role::admin:
      return "admin";
  }
  return "basic";
}

/// `require_role(min)`: passes when the principal's rank is at least `min`.
inline bool role_at_least(role have, role min) {
  return static_cast<int>(have) >= static_cast<int>(min);
}

struct principal {
  std::string user_id;                      ///< `sub`
  std::string org_id;                       ///< `org`, else `org_id` (may be empty)
  role user_role = role::basic;             ///< `role`
  std::optional<std::string> display_name;  ///< `name`
  std::vector<std::string> groups;          ///< `groups` (absent → empty)
  std::optional<std::string> email;         ///< `email`, blank dropped (§9)
};

/// Principal → AccessContext (admin-auth.md §1.6, §3.2). Roles have no effect on chat
/// retrieval (§1.7): an admin's turns see what its user id and groups allow, like anyone's;
/// `is_admin` (the unfiltered admin handle of §3.5) is never set from a chat principal.
inline access_context access_for(const principal& p) {
  access_context a;
  a.user_id = p.user_id;
  a.groups = p.groups;
  a.organization_id = p.org_id;
  return a;
}

}  // namespace so::adapters::auth
