// actors/title_actor.hpp — the auto-titler of one successful turn (later-protocol.md §2.6,
// decisions.md "auto-title").
//
// Spawned by a turn that ends with `eventual_response`; it waits until that turn actor
// has exited (so it never delays the terminal event or competes with the turn), then:
// reads the conversation (stop unless it still has its default name), makes one short
// LLM call through the provider seam (SMOOTH_AGENT_TITLE_MODEL, 512 max tokens,
// temperature 0.3, the turn's gateway key), sanitizes the answer
// (protocol/conversation_titles.hpp) and writes it with storage::set_default_title — a
// conditional write, so a manual rename that landed meanwhile is never overwritten. It
// emits nothing to any client; every failure only ends it (logged at debug).
//
// Lifetime: bounded by `title_timeout` (the stream is cancelled then); it also ends when
// the activity registry exits (server shutdown), which it monitors. It is not a turn and
// is not counted as one.
//
// Not spawned when auto-titling is disabled (SMOOTH_AGENT_TITLE_MODEL empty), when there is
// no LLM provider, or when the turn had no gateway key (keyless/mock servers never title,
// as in the reference).
#pragma once

#include "actors/services.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace so::actors {

/// The longest an auto-title may take (LLM call and storage write together).
inline constexpr std::chrono::seconds title_timeout{30};
/// How much of the turn's user message and reply the title prompt quotes (code points).
inline constexpr std::size_t title_quote_chars = 500;

struct title_spec {
  services_ptr svc;
  caf::actor turn;  ///< monitored: the work starts once it has exited
  std::string conversation_id;
  std::string user_message;
  std::string reply;
  std::optional<std::string> gateway_key;
};

/// The one user message the title call sends.
std::string title_prompt(const std::string& user_message, const std::string& reply);

/// Spawns the titler when auto-titling applies (see above); otherwise does nothing.
/// True when one was spawned.
bool spawn_auto_title(caf::actor_system& sys, title_spec spec);

}  // namespace so::actors
