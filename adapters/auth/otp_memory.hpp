// adapters/auth/otp_memory.hpp — an in-process otp_service: codes kept in memory, with
// the attempt counting, lockout, expiry and replay protection a host owes (§5).
//
// What it does:
//  - `send_code` issues a fresh code for the session (replacing any earlier one: its
//    attempts start over) and "delivers" it by recording it (`last_code`), to the email
//    if known, else the phone. `fail_sends` makes every send throw (tests).
//  - `verify_code`: no code issued (or already used) → NOT_FOUND, 0 left; expired →
//    EXPIRED, 0 left (the code is dropped); right code → verified, and the code is
//    dropped (a replay finds nothing); wrong code → INVALID_CODE with one attempt less,
//    and the last allowed wrong attempt → MAX_ATTEMPTS, 0 left, code dropped (locked
//    until a new code is sent). Codes compare in constant time.
//
// Bounds: at most `max_sessions` codes are held; issuing one more drops the oldest.
// Thread-safety: every member may be called from any thread (one mutex).
#pragma once

#include "adapters/auth/otp_service.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace so::adapters::auth {

/// "j***@example.com" for an email, "***4567" for a phone (the last 4 characters).
std::string mask_email(const std::string& email);
std::string mask_phone(const std::string& phone);

struct otp_memory_options {
  /// Wrong attempts allowed per code (the last one locks it): a documented 3.
  std::uint32_t max_attempts = 3;
  std::chrono::seconds code_ttl{600};
  std::size_t max_sessions = 10'000;
  /// The next code; default: 6 random decimal digits (OpenSSL RAND_bytes).
  std::function<std::string()> next_code;
};

class otp_memory final : public otp_service {
 public:
  explicit otp_memory(otp_memory_options options = {});

  otp_delivery send_code(const std::string& session_id, const otp_contact& contact) override;
  otp_verdict verify_code(const std::string& session_id, const std::string& code) override;

  /// The code last sent for `session_id` (what the user would read), if still held.
  std::optional<std::string> last_code(const std::string& session_id) const;
  /// Codes sent so far (all sessions).
  std::size_t sends() const;
  void fail_sends(bool fail);

 private:
  struct issued {
    std::string code;
    std::uint32_t attempts_left = 0;
    std::chrono::steady_clock::time_point expires;
    std::uint64_t serial = 0;  ///< issue order, for the bound
  };
  otp_memory_options options_;
  mutable std::mutex mutex_;
  std::map<std::string, issued> codes_;
  std::uint64_t serial_ = 0;
  std::size_t sends_ = 0;
  bool fail_sends_ = false;
};

}  // namespace so::adapters::auth
