// actors/otp_flow.hpp — the actor side of OTP identity verification (later-protocol.md §5),
// kept out of the connection, session and turn actors, which call these functions:
//
//  - the turn: `otp_gate_check` for every tool call (§5.1; the call's verdict and the
//    "OTP-refused" tool), then `otp_after_turn` on a successful turn, before
//    `eventual_response` (§5.3): otp_verification_required, the send on an OTP worker,
//    otp_sent or the non-terminal `error` OTP_SEND_FAILED, then `next`.
//  - the connection: `verify_otp` once the session is resolved (§5.4 rows 5-7).
//  - the session: `(otp) -> ok` marks itself verified through `record_otp_verified`
//    (its record first, then the whole metadata map to storage; a storage failure is
//    only logged) and answers once the write is done, so `otp_verified` follows it.
//
// Every blocking service call runs on actors/otp_worker.hpp's workers; these functions
// only send messages and return. Thread-safety: call them on the actor `self` only.
#pragma once

#include "actors/services.hpp"
#include "net/event_sink.hpp"
#include "protocol/domain.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/typed_response_promise.hpp>

#include <functional>
#include <optional>
#include <string>

namespace so::actors {

/// To a session: record that it passed OTP (replies ok once stored, or logged as failed).
using otp_atom = caf::atom_constant<caf::atom("otp")>;

/// What a turn knows about its gate: read once at turn start (§5.1).
struct otp_turn_state {
  bool verified = false;     ///< session metadata otpVerified, at turn start
  std::string refused_tool;  ///< the last OTP-refused tool of this turn ("" = none)
};

/// The refusal text of a gated call of `tool` (recording an OTP refusal in `st`), or
/// nullopt when the call may run.
std::optional<std::string> otp_gate_check(const services& svc, otp_turn_state& st,
                                          const std::string& tool);

/// §5.3 after a successful turn; `next` sends eventual_response. Does nothing but call
/// `next` without a service, without an OTP-refused tool, or without a session contact.
void otp_after_turn(caf::event_based_actor* self, const services_ptr& svc,
                    const caf::actor& session, const std::string& rid, const otp_turn_state& st,
                    net::event_sink_ptr sink, std::function<void()> next);

/// §5.4 rows 5-7 for a resolved session; `send` pushes one event to the client.
void verify_otp(caf::event_based_actor* self, const services_ptr& svc, const caf::actor& session,
                const std::string& rid, const std::string& session_id, const std::string& code,
                std::function<void(std::string)> send);

/// The session side of `(otp)`: marks `record` verified, persists its metadata, and
/// delivers `ok` on `rp` when the write is done (or failed: logged).
void record_otp_verified(caf::event_based_actor* self, const services_ptr& svc,
                         protocol::session& record, caf::typed_response_promise<caf::ok_atom> rp);

}  // namespace so::actors
