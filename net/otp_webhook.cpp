// net/otp_webhook.cpp — see otp_webhook.hpp.
#include "net/otp_webhook.hpp"

#include "protocol/json.hpp"
#include "protocol/utf8.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace so::net {

namespace {

namespace auth = adapters::auth;
using protocol::json_writer;

template <class Fn>
std::string body_of(Fn fn) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  w.StartObject();
  fn(w);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

void field(json_writer& w, std::string_view key, std::string_view value) {
  protocol::write_key(w, key);
  protocol::write_string(w, value);
}

class otp_webhook final : public auth::otp_service {
 public:
  otp_webhook(adapters::json_poster_ptr poster, otp_webhook_options options)
      : poster_(std::move(poster)), options_(std::move(options)) {}

  auth::otp_delivery send_code(const std::string& session_id,
                               const auth::otp_contact& contact) override {
    auto body = body_of([&](json_writer& w) {
      field(w, "op", "send");
      field(w, "sessionId", session_id);
      protocol::write_key(w, "contact");
      w.StartObject();
      if (contact.email) field(w, "email", *contact.email);
      if (contact.phone) field(w, "phone", *contact.phone);
      w.EndObject();
    });
    rapidjson::Document d;
    call("send", body, d);
    auto channel = protocol::get_string(d, "channel");
    auto masked = protocol::get_string(d, "maskedDestination");
    if (!channel || (*channel != "email" && *channel != "sms") || !masked)
      throw std::runtime_error(bad_answer("send"));
    return {*channel, protocol::repair_utf8(*masked)};
  }

  auth::otp_verdict verify_code(const std::string& session_id, const std::string& code) override {
    auto body = body_of([&](json_writer& w) {
      field(w, "op", "verify");
      field(w, "sessionId", session_id);
      field(w, "code", code);
    });
    rapidjson::Document d;
    call("verify", body, d);
    auto verified = protocol::get_bool(d, "verified");
    if (!verified) throw std::runtime_error(bad_answer("verify"));
    if (*verified) return auth::otp_verdict::ok();
    std::uint32_t remaining = 0;
    if (const auto* n = protocol::get_member(d, "attemptsRemaining"); n && n->IsUint())
      remaining = n->GetUint();
    std::optional<std::string> error = protocol::get_string(d, "error");
    if (error && !auth::is_otp_error_code(*error)) error.reset();
    auto message = protocol::get_string(d, "message").value_or("Verification failed.");
    return auth::otp_verdict::invalid(remaining, std::move(error), protocol::repair_utf8(message));
  }

 private:
  /// POSTs and parses a 2xx JSON object into `d`; throws a client-safe detail otherwise.
  void call(const char* op, const std::string& body, rapidjson::Document& d) const {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!options_.token.empty()) headers.emplace_back("Authorization", "Bearer " + options_.token);
    adapters::json_post_response r;
    try {
      r = poster_->post(options_.url, headers, body);
    } catch (const std::exception& e) {
      spdlog::warn("OTP webhook {}: {}", op, e.what());
      throw std::runtime_error("the verification service did not answer");
    }
    if (r.status < 200 || r.status > 299) {
      spdlog::warn("OTP webhook {}: HTTP {}", op, r.status);
      throw std::runtime_error("the verification service answered HTTP " +
                               std::to_string(r.status));
    }
    d.Parse(r.body.data(), r.body.size());
    if (d.HasParseError() || !d.IsObject()) throw std::runtime_error(bad_answer(op));
  }

  static std::string bad_answer(const char* op) {
    spdlog::warn("OTP webhook {}: the answer is not the documented JSON object", op);
    return "the verification service sent an invalid answer";
  }

  adapters::json_poster_ptr poster_;
  otp_webhook_options options_;
};

}  // namespace

auth::otp_service_ptr make_otp_webhook(adapters::json_poster_ptr poster,
                                       otp_webhook_options options) {
  return std::make_shared<otp_webhook>(std::move(poster), std::move(options));
}

}  // namespace so::net
