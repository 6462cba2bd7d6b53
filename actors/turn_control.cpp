#include "actors/turn_control.hpp"

#include "actors/backplane_subjects.hpp"
#include "actors/messages.hpp"
#include "protocol/json.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

namespace so::actors {

std::string turn_control_subject(std::string_view session_id) {
  return control_subject(session_id);
}

std::optional<control_request> parse_control_request(std::string_view payload) {
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, payload).ok || !doc.IsObject()) return std::nullopt;
  auto op = protocol::get_string(doc, "op");
  auto conn = protocol::get_string(doc, "connectionId");
  if (!op || !conn || conn->empty()) return std::nullopt;
  control_request out;
  out.connection_id = std::move(*conn);
  if (*op == "cancel") {
    out.what = control_request::op::cancel;
    return out;
  }
  if (*op != "confirm") return std::nullopt;
  auto approved = protocol::get_bool(doc, "approved");
  if (!approved) return std::nullopt;
  out.what = control_request::op::confirm;
  out.approved = *approved;
  return out;
}

namespace {

std::string request_payload(std::string_view op, std::optional<bool> approved,
                            std::string_view connection_id) {
  rapidjson::StringBuffer sb;
  protocol::json_writer w(sb);
  w.StartObject();
  protocol::write_key(w, "op");
  protocol::write_string(w, op);
  if (approved) {
    protocol::write_key(w, "approved");
    w.Bool(*approved);
  }
  protocol::write_key(w, "connectionId");
  protocol::write_string(w, connection_id);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

std::string confirm_request_payload(bool approved, std::string_view connection_id) {
  return request_payload("confirm", approved, connection_id);
}

std::string cancel_request_payload(std::string_view connection_id) {
  return request_payload("cancel", std::nullopt, connection_id);
}

std::string control_reply_payload(bool ok) {
  return ok ? R"({"ok":true})" : R"({"ok":false})";
}

bool control_reply_ok(const adapters::backplane::bus_reply& reply) {
  if (reply.outcome != adapters::backplane::request_outcome::replied) return false;
  rapidjson::Document doc;
  if (!protocol::parse_untrusted(doc, reply.payload).ok || !doc.IsObject()) return false;
  return protocol::get_bool(doc, "ok").value_or(false);
}

// ---- turn_control -------------------------------------------------------------------------

turn_control::turn_control(adapters::backplane::message_bus_ptr bus, std::string session_id,
                           caf::actor_addr session)
    : bus_(std::move(bus)),
      subject_(turn_control_subject(session_id)),
      session_(std::move(session)) {}

turn_control::~turn_control() {
  want(false);
}

void turn_control::want(bool active) {
  if (!bus_ || active == subscribed_) return;
  if (!active) {
    bus_->unsubscribe(subject_);
    subscribed_ = false;
    return;
  }
  auto handler = [session = session_, c = counters_](adapters::backplane::bus_message&& m) {
    // A bus thread: count and hand off, never more (message_bus.hpp).
    if (c->in_flight.fetch_add(1) >= max_control_in_flight) {
      c->in_flight.fetch_sub(1);
      c->dropped.fetch_add(1);
      return;  // the requester times out: the documented local answer
    }
    if (auto target = caf::actor_cast<caf::actor>(session))
      caf::anon_send(target, control_atom::value, std::move(m));
    else
      c->in_flight.fetch_sub(1);
  };
  subscribed_ = bus_->subscribe(subject_, std::move(handler));
  if (!subscribed_)
    spdlog::warn("could not subscribe {}: cross-process confirm and cancel of this turn are off",
                 subject_);
}

void turn_control::handled() {
  // Never below zero: a message delivered by the handler always comes with one count.
  auto n = counters_->in_flight.load();
  while (n > 0 && !counters_->in_flight.compare_exchange_weak(n, n - 1)) {
  }
}

void turn_control::reply(const std::string& reply_subject, bool ok) const {
  if (!bus_ || reply_subject.empty()) return;
  bus_->publish(reply_subject, control_reply_payload(ok));
}

std::uint64_t turn_control::dropped() const {
  return counters_->dropped.load();
}

}  // namespace so::actors
