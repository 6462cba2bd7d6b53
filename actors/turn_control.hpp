// actors/turn_control.hpp — a session's control subject: cross-process confirm and
// cancel of the turn it runs (docs/architecture.md "Confirmations and cancel").
//
// Processes sharing one storage and one message bus may each receive `confirm_tool_action`
// or `cancel` for a session whose turn runs elsewhere. The process whose session actor
// holds an active turn or a parked confirmation subscribes
// `smooth-operator.control.session.<sessionId>` and answers requests on it:
//   {"op":"confirm","approved":true|false,"connectionId":"<asker connection id>"}
//   {"op":"cancel","connectionId":"<asker connection id>"}
// with {"ok":true} or {"ok":false}. This file holds that wire format and
// `turn_control`, the subscription's lifetime and hand-off for one session actor.
//
// Thread-safety: `turn_control` belongs to its session actor (all members are called
// from it); its bus handler runs on a bus thread and only counts and `anon_send`s to the
// session: (control, bus_message). At most `max_control_in_flight` messages are handed
// to the session and not yet handled; beyond that a message is ignored and counted
// (`dropped()`), and its requester times out (the documented local answer). The
// codec functions are pure and thread-safe.
#pragma once

#include "adapters/backplane/message_bus.hpp"

#include <caf/actor_addr.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace so::actors {

/// How long an asking process waits for the owner's reply. Short: a confirming client
/// waits for it, and the owner answers from memory (no storage call); past it the
/// asker gives the local answer (NO_PENDING_CONFIRMATION, or nothing for cancel).
inline constexpr std::chrono::milliseconds control_request_timeout{3000};

/// Control messages handed to a session and not yet handled, at most (see above).
inline constexpr std::size_t max_control_in_flight = 16;

/// `smooth-operator.control.session.<sessionId>`: actors/backplane_subjects.hpp's
/// control_subject (the id encoded as event subjects are).
std::string turn_control_subject(std::string_view session_id);

/// One decoded request of the control subject.
struct control_request {
  enum class op { confirm, cancel };
  op what = op::cancel;
  bool approved = false;  ///< confirm only
  std::string connection_id;
};

/// Decodes a request; nullopt for anything else (not JSON, unknown op, missing or
/// mistyped field, empty connectionId). The owner answers such a request {"ok":false}.
std::optional<control_request> parse_control_request(std::string_view payload);

std::string confirm_request_payload(bool approved, std::string_view connection_id);
std::string cancel_request_payload(std::string_view connection_id);
std::string control_reply_payload(bool ok);
/// True only for a `replied` outcome whose payload is {"ok":true}.
bool control_reply_ok(const adapters::backplane::bus_reply& reply);

/// The control-subject subscription of one session actor. Inert with a null bus.
class turn_control {
 public:
  /// `session`: the owning session actor (weak: the handler never keeps it alive).
  turn_control(adapters::backplane::message_bus_ptr bus, std::string session_id,
               caf::actor_addr session);
  ~turn_control();  ///< unsubscribes
  turn_control(const turn_control&) = delete;
  turn_control& operator=(const turn_control&) = delete;

  /// Subscribes while `active` (a turn or a parked confirmation), else unsubscribes.
  /// A refused subscribe (bus closed) is logged and retried on the next call.
  void want(bool active);
  bool subscribed() const { return subscribed_; }

  /// The session handled one message the handler gave it (frees one in-flight place).
  void handled();
  /// Replies `ok` on `reply_subject` (nothing when empty: a plain publish asked nothing).
  void reply(const std::string& reply_subject, bool ok) const;

  /// Messages ignored because `max_control_in_flight` were waiting.
  std::uint64_t dropped() const;
  const adapters::backplane::message_bus_ptr& bus() const { return bus_; }

 private:
  struct counters {
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::uint64_t> dropped{0};
  };
  adapters::backplane::message_bus_ptr bus_;
  std::string subject_;
  caf::actor_addr session_;
  std::shared_ptr<counters> counters_ = std::make_shared<counters>();
  bool subscribed_ = false;
};

}  // namespace so::actors
