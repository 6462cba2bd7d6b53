// tests/actors/actor_world.hpp — the root actors of one server, without sockets.
//
// Spawns storage (in-memory), backplane, activity registry and session directory
// on a private actor system, wired through a `services` bundle as net/server.cpp
// does, so a test can drive directory, session, connection and turn actors
// directly and order their messages exactly. A test may swap `directory` for a
// double before spawning a connection (see `connection_services`).
// Thread-safety: build, use and destroy on one test thread; the actors inside
// run on CAF's scheduler as usual.
#pragma once

#include "actors/activity_registry.hpp"
#include "actors/backplane_actor.hpp"
#include "actors/connection_actor.hpp"
#include "actors/messages.hpp"
#include "actors/services.hpp"
#include "actors/session_directory.hpp"
#include "actors/storage_pool.hpp"
#include "adapters/knowledge/memory_knowledge.hpp"
#include "adapters/llm/llm_provider.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "protocol/clock.hpp"
#include "protocol/ids.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace so::test {

class actor_world {
 public:
  explicit actor_world(adapters::llm::provider_ptr llm = nullptr) {
    auto clock = std::make_shared<protocol::system_clock>();
    storage = std::make_shared<adapters::memory_storage>(clock);
    auto s = std::make_shared<actors::services>();
    s->clock = clock;
    s->limits.json.max_depth = 64;
    s->llm = std::move(llm);
    s->storage = std::make_shared<actors::storage_pool>(
        sys, storage, std::make_shared<adapters::memory_knowledge>(),
        actors::storage_pool_options{});
    s->backplane = actors::spawn_backplane(sys);
    s->registry = actors::spawn_activity_registry(sys);
    mutable_svc = s;
    s->directory = actors::spawn_session_directory(sys, s);
    svc = s;
  }

  ~actor_world() {
    for (const auto& a : {svc->directory, svc->backplane, svc->registry})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    svc->storage->stop();
    for (const auto& a : extra) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  actor_world(const actor_world&) = delete;
  actor_world& operator=(const actor_world&) = delete;

  /// A session persisted in storage only (as if created by another process):
  /// the directory learns of it on the first lookup.
  protocol::session store_session() {
    protocol::conversation c;
    c.id = protocol::new_uuid_v4();
    c.organization_id = "org-test";
    c.name = "test";
    c.created_at = c.updated_at = std::chrono::system_clock::now();
    storage->create_conversation(c);
    protocol::session s;
    s.session_id = protocol::new_uuid_v4();
    s.conversation_id = c.id;
    s.organization_id = c.organization_id;
    s.agent_id = "agent-test";
    s.thread_id = c.id;
    s.status = "active";
    s.created_at = s.updated_at = s.last_activity_at = c.created_at;
    return storage->create_session(s);
  }

  /// The directory's answer to a lookup of `id` (fails the test on error).
  actors::session_ref lookup(const std::string& id) {
    actors::session_ref out;
    self->request(svc->directory, std::chrono::seconds(5), actors::lookup_atom::value, id)
        .receive([&](actors::session_ref& r) { out = r; },
                 [&](caf::error& e) { FAIL("lookup failed: " << caf::to_string(e)); });
    return out;
  }

  actors::live_counts counts() {
    actors::live_counts out{99, 99, 99};
    self->request(svc->registry, std::chrono::seconds(5), caf::get_atom::value)
        .receive([&](actors::live_counts& c) { out = c; },
                 [&](caf::error& e) { FAIL("registry: " << caf::to_string(e)); });
    return out;
  }

  /// A connection actor on `sink`, wired to `s` (default: this world's services).
  caf::actor connection(net::event_sink_ptr sink, actors::services_ptr s = nullptr) {
    actors::connection_identity id;
    id.connection_id = protocol::new_uuid_v4();
    auto c = actors::spawn_connection(sys, s ? s : svc, std::move(id), std::move(sink));
    extra.push_back(c);
    return c;
  }

  /// This world's services with another directory (a test double in front of the real one).
  actors::services_ptr connection_services(caf::actor directory) {
    auto s = std::make_shared<actors::services>(*mutable_svc);
    s->directory = std::move(directory);
    return s;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::shared_ptr<adapters::memory_storage> storage;
  actors::services_ptr svc;
  std::vector<caf::actor> extra;  ///< spawned by tests; exited with the world

 private:
  std::shared_ptr<actors::services> mutable_svc;
};

}  // namespace so::test
