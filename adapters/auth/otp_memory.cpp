// adapters/auth/otp_memory.cpp — see otp_memory.hpp.
#include "adapters/auth/otp_memory.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace so::adapters::auth {

bool is_otp_error_code(const std::string& code) {
  return code == otp_invalid_code || code == otp_max_attempts || code == otp_not_found ||
         code == otp_expired;
}

std::string mask_email(const std::string& email) {
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0) return "***";
  return email.substr(0, 1) + "***" + email.substr(at);
}

std::string mask_phone(const std::string& phone) {
  if (phone.size() <= 4) return "***";
  return "***" + phone.substr(phone.size() - 4);
}

namespace {

std::string random_digits() {
  unsigned char bytes[6];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a code");
  std::string out;
  for (unsigned char b : bytes) out.push_back(static_cast<char>('0' + b % 10));
  return out;
}

bool same_code(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

otp_memory::otp_memory(otp_memory_options options) : options_(std::move(options)) {
  if (!options_.next_code) options_.next_code = random_digits;
  options_.max_attempts = std::max<std::uint32_t>(options_.max_attempts, 1);
  options_.max_sessions = std::max<std::size_t>(options_.max_sessions, 1);
}

otp_delivery otp_memory::send_code(const std::string& session_id, const otp_contact& contact) {
  std::lock_guard lock(mutex_);
  if (fail_sends_) throw std::runtime_error("delivery refused");
  if (contact.empty()) throw std::runtime_error("no contact");
  if (!codes_.count(session_id) && codes_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(codes_.begin(), codes_.end(), [](const auto& a, const auto& b) {
      return a.second.serial < b.second.serial;
    });
    codes_.erase(oldest);
  }
  codes_[session_id] = issued{options_.next_code(), options_.max_attempts,
                              std::chrono::steady_clock::now() + options_.code_ttl, ++serial_};
  ++sends_;
  if (contact.email) return {"email", mask_email(*contact.email)};
  return {"sms", mask_phone(*contact.phone)};
}

otp_verdict otp_memory::verify_code(const std::string& session_id, const std::string& code) {
  std::lock_guard lock(mutex_);
  auto it = codes_.find(session_id);
  if (it == codes_.end())
    return otp_verdict::invalid(0, otp_not_found,
                                "No verification is in progress for this session.");
  if (std::chrono::steady_clock::now() >= it->second.expires) {
    codes_.erase(it);
    return otp_verdict::invalid(0, otp_expired, "The code has expired; request a new one.");
  }
  if (same_code(it->second.code, code)) {
    codes_.erase(it);  // used: a replay finds nothing
    return otp_verdict::ok();
  }
  const auto left = --it->second.attempts_left;
  if (left == 0) {
    codes_.erase(it);
    return otp_verdict::invalid(0, otp_max_attempts, "Too many attempts; request a new code.");
  }
  return otp_verdict::invalid(left, otp_invalid_code, "The code is not correct.");
}

std::optional<std::string> otp_memory::last_code(const std::string& session_id) const {
  std::lock_guard lock(mutex_);
  auto it = codes_.find(session_id);
  if (it == codes_.end()) return std::nullopt;
  return it->second.code;
}

std::size_t otp_memory::sends() const {
  std::lock_guard lock(mutex_);
  return sends_;
}

void otp_memory::fail_sends(bool fail) {
  std::lock_guard lock(mutex_);
  fail_sends_ = fail;
}

}  // namespace so::adapters::auth
