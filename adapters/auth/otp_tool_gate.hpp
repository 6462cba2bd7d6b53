// adapters/auth/otp_tool_gate.hpp — the tool auth gate of later-protocol.md §5.1, built from
// SMOOTH_AGENT_AUTH_TOOLS (decisions.md "OTP tool gate": it gates on a stock server).
//
// Each entry names one tool, optionally with its level: `pay_invoice` (= end_user),
// `pay_invoice:end_user`, `wipe_tenant:admin`, `lookup:none`. Exact names. The stock
// server's agents are all public-facing (there is no per-agent visibility), so:
//   none → allowed; admin → always refused (never OTP); end_user → allowed once the
//   session is verified (metadata `otpVerified: true`), else refused and "OTP-refused".
// Refusal texts are the reference's, with the engine's `blocked by hook: ` prefix.
//
// Immutable after construction; safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace so::adapters::auth {

enum class tool_auth_level { none, end_user, admin };

/// A refused call: the tool result text (isError) and whether OTP can lift it.
struct tool_refusal {
  std::string text;
  bool needs_otp = false;
};

/// The session metadata flag a successful verify_otp sets (JSON text `true`).
inline constexpr const char* otp_verified_key = "otpVerified";

class otp_tool_gate {
 public:
  otp_tool_gate() = default;
  /// Entries as SMOOTH_AGENT_AUTH_TOOLS lists them (already split and trimmed).
  /// Throws std::invalid_argument for an empty name or an unknown level.
  explicit otp_tool_gate(const std::vector<std::string>& entries);

  /// No tool listed: the gate is off.
  bool empty() const { return levels_.empty(); }
  /// Why the call of `tool` is refused, or nullopt when it may run.
  std::optional<tool_refusal> check(const std::string& tool, bool verified) const;

 private:
  std::map<std::string, tool_auth_level> levels_;
};

/// Whether session metadata (key → JSON text) says the session passed OTP.
bool otp_verified(const std::map<std::string, std::string>& metadata);

}  // namespace so::adapters::auth
