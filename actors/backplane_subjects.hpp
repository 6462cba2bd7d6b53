// actors/backplane_subjects.hpp — the bus subjects of backplane targets and turn control.
//
// decisions.md "Backplane over NATS": an event for target (kind, id) travels on
// `smooth-operator.<kind>.<id>` with kind ∈ conn | session | user | org | agent; the
// turn-control requests of a session on `smooth-operator.control.session.<id>`.
// NATS subjects are dot-separated tokens where '*' and '>' are wildcards and
// whitespace is forbidden, so an id is used verbatim only when every byte is in
// [A-Za-z0-9-_@:+=.] and it has no empty token (no leading or trailing '.', no
// ".."); otherwise every byte outside [A-Za-z0-9-_@:+=] (dots included) becomes
// %XX (uppercase hex). UUIDs and e-mail addresses stay verbatim; the encoding is
// injective, so two different ids never share a subject.
//
// Thread-safety: pure functions, callable from any thread.
#pragma once

#include "actors/messages.hpp"

#include <string>
#include <string_view>

namespace so::actors {

/// The id as one or more subject tokens (see the header comment).
std::string encode_subject_id(std::string_view id);

/// `smooth-operator.<kind>.<encoded id>`.
std::string event_subject(target_kind kind, std::string_view id);

/// `smooth-operator.control.session.<encoded session id>`.
std::string control_subject(std::string_view session_id);

/// The subject of the reference server's envelope backplane (storage-backplane.md §6.2),
/// used when SMOOTH_AGENT_NATS_LEGACY_SUBJECT=1.
inline constexpr std::string_view legacy_subject = "smooth-operator.backplane";

}  // namespace so::actors
