#include "actors/connection_bridge.hpp"

#include "actors/connection_actor.hpp"
#include "actors/messages.hpp"
#include "protocol/ids.hpp"

namespace so::actors {

namespace {

/// Forwards one socket's frames to its connection actor, spawned with the first
/// frame: a connection that has sent nothing has no actor, no backplane entry and no
/// registry entry (~1.8 KB less per idle connection). Nothing can address it before
/// then — its connection id is made with the actor and no other target is associated
/// without an action.
class actor_inbound_handler final : public net::inbound_handler {
 public:
  actor_inbound_handler(caf::actor_system& sys, services_ptr svc, net::event_sink_ptr sink,
                        std::optional<std::string> origin)
      : sys_(sys), svc_(std::move(svc)), sink_(std::move(sink)), origin_(std::move(origin)) {}
  ~actor_inbound_handler() override { on_closed(); }

  void on_text(std::string text) override {
    if (auto& a = actor()) caf::anon_send(a, frame_atom::value, std::move(text));
  }
  void on_binary() override {
    if (auto& a = actor()) caf::anon_send(a, binary_atom::value);
  }
  void on_rate_limited(std::uint32_t max_per_sec) override {
    if (auto& a = actor()) caf::anon_send(a, rate_limited_atom::value, max_per_sec);
  }
  void on_closed() override {
    closed_ = true;
    if (!actor_) return;
    caf::anon_send(actor_, closed_atom::value);
    actor_ = nullptr;
  }

 private:
  const caf::actor& actor() {
    if (!actor_ && !closed_) {
      connection_identity id;
      id.connection_id = protocol::new_uuid_v4();
      id.origin = std::move(origin_);
      // Token verification arrives with the auth issue: until then every
      // connection is anonymous (org-public knowledge only, no principal org).
      actor_ = spawn_connection(sys_, svc_, std::move(id), sink_);
      caf::anon_send(svc_->registry, track_atom::value, activity_kind::connection, actor_);
      svc_ = nullptr;  // the actor holds what it needs
      sink_ = nullptr;
    }
    return actor_;
  }

  caf::actor_system& sys_;
  services_ptr svc_;
  net::event_sink_ptr sink_;
  std::optional<std::string> origin_;
  caf::actor actor_;
  bool closed_ = false;
};

}  // namespace

net::connection_factory make_connection_factory(caf::actor_system& sys, services_ptr svc) {
  return [&sys, svc](const net::upgrade_info& info,
                     net::event_sink_ptr sink) -> std::unique_ptr<net::inbound_handler> {
    return std::make_unique<actor_inbound_handler>(sys, svc, std::move(sink), info.origin);
  };
}

}  // namespace so::actors
