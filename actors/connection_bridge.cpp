#include "actors/connection_bridge.hpp"

#include "actors/connection_actor.hpp"
#include "actors/messages.hpp"
#include "protocol/ids.hpp"

namespace so::actors {

namespace {

class actor_inbound_handler final : public net::inbound_handler {
 public:
  explicit actor_inbound_handler(caf::actor actor) : actor_(std::move(actor)) {}
  ~actor_inbound_handler() override { on_closed(); }

  void on_text(std::string text) override {
    if (actor_) caf::anon_send(actor_, frame_atom::value, std::move(text));
  }
  void on_binary() override {
    if (actor_) caf::anon_send(actor_, binary_atom::value);
  }
  void on_rate_limited(std::uint32_t max_per_sec) override {
    if (actor_) caf::anon_send(actor_, rate_limited_atom::value, max_per_sec);
  }
  void on_closed() override {
    if (!actor_) return;
    caf::anon_send(actor_, closed_atom::value);
    actor_ = nullptr;
  }

 private:
  caf::actor actor_;
};

}  // namespace

net::connection_factory make_connection_factory(caf::actor_system& sys, services_ptr svc) {
  return [&sys, svc](const net::upgrade_info& info,
                     net::event_sink_ptr sink) -> std::unique_ptr<net::inbound_handler> {
    connection_identity id;
    id.connection_id = protocol::new_uuid_v4();
    id.origin = info.origin;
    // Token verification arrives with the auth issue: until then every
    // connection is anonymous (org-public knowledge only, no principal org).
    auto actor = spawn_connection(sys, svc, std::move(id), std::move(sink));
    caf::anon_send(svc->registry, track_atom::value, activity_kind::connection, actor);
    return std::make_unique<actor_inbound_handler>(std::move(actor));
  };
}

}  // namespace so::actors
