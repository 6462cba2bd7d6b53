// actors/otp_flow.cpp — see otp_flow.hpp.
#include "actors/otp_flow.hpp"

#include "actors/messages.hpp"
#include "actors/storage_calls.hpp"
#include "protocol/events.hpp"
#include "protocol/otp_events.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace so::actors {

namespace otp = protocol::otp;
namespace auth = adapters::auth;

namespace {

/// A metadata value (compact JSON text) that is a non-empty JSON string.
std::optional<std::string> metadata_string(const protocol::session& s, const char* key) {
  auto it = s.metadata.find(key);
  if (it == s.metadata.end()) return std::nullopt;
  rapidjson::Document d;
  d.Parse(it->second.data(), it->second.size());
  if (d.HasParseError() || !d.IsString() || d.GetStringLength() == 0) return std::nullopt;
  return std::string(d.GetString(), d.GetStringLength());
}

/// Sets otpVerified on the stored session (no live session actor holds it); then `done`.
template <class Done>
void store_verified(caf::event_based_actor* self, const services_ptr& svc,
                    const std::string& session_id, Done done) {
  storage_await<bool>(
      self, svc->storage, session_id,
      [session_id](adapters::storage& s, adapters::knowledge_base&) {
        auto stored = s.get_session(session_id);
        if (!stored) return false;
        adapters::session_update u;
        u.metadata = stored->metadata;
        (*u.metadata)[auth::otp_verified_key] = "true";
        s.update_session(session_id, u);
        return true;
      },
      [done, session_id](bool stored) {
        if (!stored) spdlog::warn("verify_otp: session {} is not in storage", session_id);
        done();
      },
      [done, session_id](const std::string& err) {
        spdlog::warn("session {}: storing otpVerified failed: {}", session_id, err);
        done();
      });
}

}  // namespace

std::optional<std::string> otp_gate_check(const services& svc, otp_turn_state& st,
                                          const std::string& tool) {
  auto refusal = svc.auth_gate.check(tool, st.verified);
  if (!refusal) return std::nullopt;
  if (refusal->needs_otp) st.refused_tool = tool;  // the last such refusal wins
  return std::move(refusal->text);
}

void otp_after_turn(caf::event_based_actor* self, const services_ptr& svc,
                    const caf::actor& session, const std::string& rid, const otp_turn_state& st,
                    net::event_sink_ptr sink, std::function<void()> next) {
  if (!svc->otp || st.refused_tool.empty()) return next();
  // The contact as the session holds it NOW: an identity intake earlier in this turn
  // counts (§1.14).
  self->request(session, std::chrono::seconds(10), record_atom::value)
      .then(
          [self, svc, rid, tool = st.refused_tool, sink, next](protocol::session& record) {
            auth::otp_contact contact{metadata_string(record, "contactEmail"),
                                      metadata_string(record, "contactPhone")};
            if (contact.empty()) return next();  // the refusal stands silently
            auto push = [sink](std::string json) { sink->push(net::make_frame(std::move(json))); };
            push(otp::verification_required(rid, tool, contact.channels(), svc->clock->now_ms()));
            otp_call<auth::otp_delivery>(
                self, svc->otp,
                [sid = record.session_id, contact](auth::otp_service& s) {
                  return s.send_code(sid, contact);
                },
                [svc, rid, push, next](auth::otp_delivery d) {
                  push(otp::sent(rid, d.channel, d.masked_destination, svc->clock->now_ms()));
                  next();
                },
                [svc, rid, push, next](const std::string& detail) {
                  spdlog::warn("turn {}: sending the verification code failed: {}", rid, detail);
                  push(protocol::events::error(rid, otp::send_failed_code,
                                               otp::send_failed_text(detail),
                                               svc->clock->now_ms()));
                  next();  // not terminal: eventual_response follows (§5.3)
                });
          },
          [rid, next](caf::error& e) {
            spdlog::warn("turn {}: no session record for OTP: {}", rid, caf::to_string(e));
            next();
          });
}

void verify_otp(caf::event_based_actor* self, const services_ptr& svc, const caf::actor& session,
                const std::string& rid, const std::string& session_id, const std::string& code,
                std::function<void(std::string)> send) {
  if (!svc->otp)  // fail closed (§5.4 row 5)
    return send(otp::invalid(rid, 0, std::string(auth::otp_not_found), otp::no_verification_text,
                             svc->clock->now_ms()));
  otp_call<auth::otp_verdict, true>(
      self, svc->otp,
      [session_id, code](auth::otp_service& s) { return s.verify_code(session_id, code); },
      [self, svc, session, rid, session_id, send](auth::otp_verdict v) {
        if (!v.verified)
          return send(
              otp::invalid(rid, v.attempts_remaining, v.error, v.message, svc->clock->now_ms()));
        auto done = [svc, rid, send] { send(otp::verified(rid, svc->clock->now_ms())); };
        self->request(session, std::chrono::seconds(30), otp_atom::value)
            .await([done](caf::ok_atom) { done(); },
                   [self, svc, rid, session_id, done](caf::error& e) {
                     // The session actor quit (idle) after the lookup: the next turn hydrates
                     // from storage, so the flag goes there directly.
                     spdlog::info("verify_otp {}: session actor gone ({}), storing directly", rid,
                                  caf::to_string(e));
                     store_verified(self, svc, session_id, done);
                   });
      },
      [svc, rid, send](const std::string& detail) {
        spdlog::warn("verify_otp {}: {}", rid, detail);
        send(otp::invalid(rid, 0, std::nullopt, otp::unavailable_text, svc->clock->now_ms()));
      });
}

void record_otp_verified(caf::event_based_actor* self, const services_ptr& svc,
                         protocol::session& record, caf::typed_response_promise<caf::ok_atom> rp) {
  record.metadata[auth::otp_verified_key] = "true";
  adapters::session_update u;
  u.metadata = record.metadata;
  storage_then<bool>(
      self, svc->storage, record.conversation_id,
      [id = record.session_id, u](adapters::storage& s, adapters::knowledge_base&) {
        s.update_session(id, u);
        return true;
      },
      [rp](bool) mutable { rp.deliver(caf::ok_atom::value); },
      [rp, sid = record.session_id](const std::string& err) mutable {
        spdlog::warn("session {}: storing otpVerified failed: {}", sid, err);
        rp.deliver(caf::ok_atom::value);
      });
}

}  // namespace so::actors
