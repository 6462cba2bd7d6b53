#include "actors/connection_bridge.hpp"

#include "actors/connection_actor.hpp"
#include "actors/io_scheduler.hpp"
#include "actors/messages.hpp"
#include "protocol/ids.hpp"

namespace so::actors {

namespace {

/// The identity a connection actor starts with, from what the upgrade verified
/// (admin-auth.md §1.9): the principal's access context and org, or anonymous.
connection_identity identity_from(const net::upgrade_info& info) {
  connection_identity id;
  id.origin = info.origin;
  id.principal = info.principal;
  if (info.principal) {
    id.access = adapters::auth::access_for(*info.principal);
    id.principal_org = info.principal->org_id;
  }
  id.scope = scope_for(info.single_user, info.principal);
  return id;
}

/// Forwards one socket's frames to its connection actor. An anonymous connection's
/// actor is spawned with its first frame: a connection that has sent nothing has no
/// actor, no backplane entry and no registry entry (~1.8 KB less per idle connection),
/// and nothing can address it before then; until then the handler keeps only the
/// origin and the auth mode (an anonymous identity is rebuilt from them). A verified
/// connection's actor is spawned at once (`spawn_now`), so its User and Org backplane
/// targets reach it even while it is idle, and the handler never holds a principal.
class actor_inbound_handler final : public net::inbound_handler {
 public:
  actor_inbound_handler(caf::actor_system& sys, services_ptr svc, net::event_sink_ptr sink,
                        std::optional<std::string> origin, bool single_user,
                        std::string_view connection_id)
      : conn_id_(connection_id),
        sys_(sys),
        svc_(std::move(svc)),
        sink_(std::move(sink)),
        origin_(std::move(origin)),
        single_user_(single_user) {}
  ~actor_inbound_handler() override { on_closed(); }

  /// Spawns the actor now, with `identity` (a verified connection).
  void spawn_now(connection_identity identity) { spawn(std::move(identity)); }

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
      net::upgrade_info anonymous;
      anonymous.origin = std::move(origin_);
      anonymous.single_user = single_user_;
      spawn(identity_from(anonymous));
    }
    return actor_;
  }

  void spawn(connection_identity identity) {
    identity.connection_id = conn_id_.empty() ? protocol::new_uuid_v4() : std::string(conn_id_);
    actor_ = spawn_connection(sys_, svc_, std::move(identity), sink_);
    if (auto* sched = io_scheduler::of(sys_)) sched->pin_here(actor_);  // its socket's thread
    caf::anon_send(svc_->registry, track_atom::value, activity_kind::connection, actor_);
    svc_ = nullptr;  // the actor holds what it needs
    sink_ = nullptr;
  }

  std::string_view conn_id_;  // the socket's id (upgrade_info::connection_id); logs match
  caf::actor_system& sys_;
  services_ptr svc_;
  net::event_sink_ptr sink_;
  std::optional<std::string> origin_;
  caf::actor actor_;
  bool single_user_;
  bool closed_ = false;
};

}  // namespace

net::connection_factory make_connection_factory(caf::actor_system& sys, services_ptr svc) {
  return [&sys, svc](const net::upgrade_info& info,
                     net::event_sink_ptr sink) -> std::unique_ptr<net::inbound_handler> {
    auto handler = std::make_unique<actor_inbound_handler>(sys, svc, std::move(sink), info.origin,
                                                           info.single_user, info.connection_id);
    if (info.principal) handler->spawn_now(identity_from(info));
    return handler;
  };
}

}  // namespace so::actors
