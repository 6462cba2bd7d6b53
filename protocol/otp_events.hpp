// protocol/otp_events.hpp — the OTP events and wire texts (later-protocol.md §5.3, §5.4;
// spec/events/otp-*.schema.json).
//
// Every OTP event is double-nested like write_confirmation_required:
// {type, requestId, data: {requestId, data: {…}}, timestamp}. Pure builders: no I/O, no
// shared state; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace so::protocol::otp {

inline constexpr std::string_view send_failed_code = "OTP_SEND_FAILED";
inline constexpr std::string_view requires_request_id = "verify_otp requires a 'requestId'";
inline constexpr std::string_view requires_session_id = "verify_otp requires a 'sessionId'";
inline constexpr std::string_view requires_code = "verify_otp requires a 'code'";
/// `otp_invalid` message when no OTP service is installed (fail closed, §5.4 row 5).
inline constexpr std::string_view no_verification_text =
    "No verification is in progress for this session.";
/// `otp_invalid` message when the installed service cannot answer (our rule: fail closed).
inline constexpr std::string_view unavailable_text =
    "Verification is unavailable right now; please try again later.";
inline constexpr std::string_view verified_text = "Identity verified successfully.";

/// `failed to send verification code: <detail>` (an `error` with the turn rid; not terminal).
std::string send_failed_text(std::string_view detail);

/// Before `otp_sent`: the refused tool, the channels of the session contact.
std::string verification_required(std::string_view rid, std::string_view tool,
                                  const std::vector<std::string>& channels, std::int64_t now_ms);
std::string sent(std::string_view rid, std::string_view channel,
                 std::string_view masked_destination, std::int64_t now_ms);
std::string verified(std::string_view rid, std::int64_t now_ms);
/// `error` is omitted when nullopt.
std::string invalid(std::string_view rid, std::uint32_t attempts_remaining,
                    const std::optional<std::string>& error, std::string_view message,
                    std::int64_t now_ms);

}  // namespace so::protocol::otp
