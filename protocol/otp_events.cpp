// protocol/otp_events.cpp — see otp_events.hpp.
#include "protocol/otp_events.hpp"

#include "protocol/json.hpp"
#include "protocol/nested_event.hpp"

#include <utility>

namespace so::protocol::otp {

namespace {

/// The double-nested envelope; `body` writes the inner object's members.
template <class Body>
std::string event(std::string_view type, std::string_view rid, std::int64_t now_ms, Body body) {
  return nested_event(type, rid, now_ms, std::move(body));
}

void field(json_writer& w, std::string_view key, std::string_view value) {
  write_key(w, key);
  write_string(w, value);
}

}  // namespace

std::string send_failed_text(std::string_view detail) {
  return "failed to send verification code: " + std::string(detail);
}

std::string verification_required(std::string_view rid, std::string_view tool,
                                  const std::vector<std::string>& channels, std::int64_t now_ms) {
  return event("otp_verification_required", rid, now_ms, [&](json_writer& w) {
    field(w, "toolId", tool);
    field(w, "actionDescription",
          "Verify your identity to continue using '" + std::string(tool) + "'.");
    write_key(w, "availableChannels");
    w.StartArray();
    for (const auto& c : channels) write_string(w, c);
    w.EndArray();
    field(w, "authLevel", "end_user");
  });
}

std::string sent(std::string_view rid, std::string_view channel,
                 std::string_view masked_destination, std::int64_t now_ms) {
  return event("otp_sent", rid, now_ms, [&](json_writer& w) {
    field(w, "channel", channel);
    field(w, "maskedDestination", masked_destination);
  });
}

std::string verified(std::string_view rid, std::int64_t now_ms) {
  return event("otp_verified", rid, now_ms,
               [&](json_writer& w) { field(w, "message", verified_text); });
}

std::string invalid(std::string_view rid, std::uint32_t attempts_remaining,
                    const std::optional<std::string>& error, std::string_view message,
                    std::int64_t now_ms) {
  return event("otp_invalid", rid, now_ms, [&](json_writer& w) {
    write_key(w, "attemptsRemaining");
    w.Uint(attempts_remaining);
    if (error) field(w, "error", *error);
    field(w, "message", message);
  });
}

}  // namespace so::protocol::otp
