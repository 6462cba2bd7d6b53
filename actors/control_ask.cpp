#include "actors/control_ask.hpp"

#include "actors/messages.hpp"
#include "actors/turn_control.hpp"
#include "actors/unexpected_messages.hpp"

#include <caf/all.hpp>

#include <optional>

namespace so::actors {

namespace {

using answer_atom = caf::atom_constant<caf::atom("answer")>;

struct control_ask_state {
  std::optional<caf::typed_response_promise<bool>> promise;
  static inline const char* name = "control-ask";
};

}  // namespace

static caf::behavior control_ask_behavior(caf::stateful_actor<control_ask_state>* self,
                                          adapters::backplane::message_bus_ptr bus,
                                          std::string session_id, std::string payload,
                                          std::function<void()> on_ok) {
  self->set_default_handler(log_unexpected("control-ask"));
  return {
      [=](run_atom) -> caf::result<bool> {
        auto& st = self->state;
        if (st.promise) return false;  // one request per actor
        st.promise = self->make_response_promise<bool>();
        // Strong handle: the bus calls `done` exactly once, at the latest after the timeout.
        auto me = caf::actor_cast<caf::actor>(self);
        bus->request(turn_control_subject(session_id), payload, control_request_timeout,
                     [me, on_ok](adapters::backplane::bus_reply&& r) {
                       const bool ok = control_reply_ok(r);
                       if (ok && on_ok) on_ok();
                       caf::anon_send(me, answer_atom::value, ok);
                     });
        return *st.promise;
      },
      [self](answer_atom, bool ok) {
        if (self->state.promise) self->state.promise->deliver(ok);
        self->quit();
      },
  };
}

caf::actor spawn_control_ask(caf::actor_system& sys, adapters::backplane::message_bus_ptr bus,
                             std::string session_id, std::string payload,
                             std::function<void()> on_ok) {
  return sys.spawn(control_ask_behavior, std::move(bus), std::move(session_id), std::move(payload),
                   std::move(on_ok));
}

}  // namespace so::actors
