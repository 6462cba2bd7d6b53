// adapters/auth/otp_service.hpp — the OTP identity-verification seam (later-protocol.md §5).
//
// The server never creates, stores, sends or checks codes: a host installs an
// otp_service with two operations, `send_code` (deliver a fresh code to the session's
// contact) and `verify_code` (check what the user typed). Attempt counting, lockout,
// expiry and replay protection are the service's; the server reflects its answers
// verbatim (`otp_invalid` carries `attempts_remaining`, `error`, `message`).
//
// Implementations: net/otp_webhook.hpp (SMOOTH_AGENT_OTP_URL, an HTTP webhook the
// operator runs) and adapters/auth/otp_memory.hpp (in process: tests and embedding hosts).
// No service configured = the flow fails closed (verify_otp answers `otp_invalid`
// NOT_FOUND; gated tools stay refused).
//
// Thread-safety: both operations may be called from several threads at once and may
// BLOCK (network): the server calls them only on the OTP workers (actors/otp_worker.hpp),
// never on an io thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace so::adapters::auth {

/// Where a code can go: session metadata `contactEmail` / `contactPhone` (§5.2).
struct otp_contact {
  std::optional<std::string> email;
  std::optional<std::string> phone;
  bool empty() const { return !email && !phone; }
  /// `email` if an email is known, then `sms` if a phone is known (§5.2).
  std::vector<std::string> channels() const {
    std::vector<std::string> out;
    if (email) out.emplace_back("email");
    if (phone) out.emplace_back("sms");
    return out;
  }
};

/// A code went out.
struct otp_delivery {
  std::string channel;             ///< "email" or "sms"
  std::string masked_destination;  ///< shown to the user as is, e.g. "j***@example.com"
};

/// The machine-readable reasons of `otp_invalid` (spec/events/otp-invalid.schema.json).
inline constexpr const char* otp_invalid_code = "INVALID_CODE";
inline constexpr const char* otp_max_attempts = "MAX_ATTEMPTS";
inline constexpr const char* otp_not_found = "NOT_FOUND";
inline constexpr const char* otp_expired = "EXPIRED";
/// True for one of the four codes above.
bool is_otp_error_code(const std::string& code);

/// The answer to one verification attempt.
struct otp_verdict {
  bool verified = false;
  // Meaningful only when !verified:
  std::uint32_t attempts_remaining = 0;
  std::optional<std::string> error;  ///< one of the four codes; nullopt = the host gave none
  std::string message;               ///< for the user, reflected verbatim

  static otp_verdict ok() { return otp_verdict{true, 0, std::nullopt, {}}; }
  static otp_verdict invalid(std::uint32_t remaining, std::optional<std::string> code,
                             std::string message) {
    return otp_verdict{false, remaining, std::move(code), std::move(message)};
  }
};

class otp_service {
 public:
  virtual ~otp_service() = default;
  /// Sends a fresh code for `session_id` to `contact` (never empty). Throws
  /// std::runtime_error with a short, client-safe detail when it cannot
  /// (the server reports `OTP_SEND_FAILED failed to send verification code: <detail>`).
  virtual otp_delivery send_code(const std::string& session_id, const otp_contact& contact) = 0;
  /// Checks `code` (verbatim: may be empty) for `session_id`. Throws std::runtime_error when
  /// the service cannot answer (the server then fails closed: `otp_invalid`, 0 attempts left).
  virtual otp_verdict verify_code(const std::string& session_id, const std::string& code) = 0;
};

using otp_service_ptr = std::shared_ptr<otp_service>;

}  // namespace so::adapters::auth
