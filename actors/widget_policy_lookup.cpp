// actors/widget_policy_lookup.cpp — see widget_policy_lookup.hpp.
#include "actors/widget_policy_lookup.hpp"

#include "actors/messages.hpp"

#include <cstdint>
#include <unordered_map>

namespace so::actors {

namespace {

struct lookup_state {
  adapters::auth::widget_policy_provider_ptr provider;
  std::uint64_t next_id = 0;
  std::unordered_map<std::uint64_t, caf::response_promise> pending;
  static inline const char* name = "widget_policy_lookup";
};

caf::behavior widget_policy_lookup_behavior(caf::stateful_actor<lookup_state>* self,
                                            adapters::auth::widget_policy_provider_ptr provider) {
  self->state.provider = std::move(provider);
  self->set_default_handler(caf::drop);
  return {
      [self](lookup_atom, const std::string& agent_id) {
        auto& st = self->state;
        const auto id = ++st.next_id;
        st.pending.emplace(id, self->make_response_promise());
        // Weak: a callback still in flight at shutdown must not keep this actor alive.
        caf::actor_addr me = self->address();
        st.provider->lookup(agent_id, [me, id](adapters::auth::widget_lookup answer) {
          if (auto dest = caf::actor_cast<caf::actor>(me))
            caf::anon_send(dest, widget_policy_atom::value, id,
                           widget_policy_reply{std::move(answer)});
        });
      },
      [self](widget_policy_atom, std::uint64_t id, widget_policy_reply& reply) {
        auto& st = self->state;
        auto it = st.pending.find(id);
        if (it == st.pending.end()) return;
        auto promise = std::move(it->second);
        st.pending.erase(it);
        promise.deliver(std::move(reply));
      },
  };
}

}  // namespace

caf::actor spawn_widget_policy_lookup(caf::actor_system& sys,
                                      adapters::auth::widget_policy_provider_ptr provider) {
  return sys.spawn(widget_policy_lookup_behavior, std::move(provider));
}

}  // namespace so::actors
