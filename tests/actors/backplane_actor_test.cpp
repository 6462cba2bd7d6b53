// Backplane actor: attach/associate/publish/detach semantics (storage-backplane.md §6).
#include "actors/backplane_actor.hpp"
#include "actors/messages.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/actors/backplane_calls.hpp"

#include <catch2/catch.hpp>

using namespace so;
using namespace so::actors;
using namespace std::chrono_literals;
using so::test::publish;

namespace {

std::size_t attached(caf::scoped_actor& self, const caf::actor& bp) {
  std::size_t n = 99;
  self->request(bp, 2s, count_atom::value)
      .receive([&](std::size_t c) { n = c; }, [&](caf::error&) { FAIL(); });
  return n;
}

}  // namespace

TEST_CASE("backplane delivers one frame verbatim to every associated connection", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bp = spawn_backplane(sys);
  caf::scoped_actor self{sys};
  auto a = std::make_shared<test::recording_sink>();
  auto b = std::make_shared<test::recording_sink>();
  self->send(bp, attach_atom::value, std::string("c-a"), net::event_sink_ptr(a));
  self->send(bp, attach_atom::value, std::string("c-b"), net::event_sink_ptr(b));
  self->send(bp, associate_atom::value, std::string("c-a"),
             backplane_target{target_kind::session, "s1"});
  self->send(bp, associate_atom::value, std::string("c-b"),
             backplane_target{target_kind::session, "s1"});
  // Idempotent: a second association does not duplicate delivery.
  self->send(bp, associate_atom::value, std::string("c-b"),
             backplane_target{target_kind::session, "s1"});

  const std::string ev = R"({"type":"job_status","data":{"state":"done"}})";
  CHECK(publish(self, bp, {target_kind::session, "s1"}, ev) == 2);
  REQUIRE(a->frames().size() == 1);
  CHECK(a->frames()[0] == ev);
  CHECK(b->frames().size() == 1);

  SECTION("a connection is always reachable by its own id") {
    CHECK(publish(self, bp, {target_kind::connection, "c-a"}, "{}") == 1);
    CHECK(a->frames().size() == 2);
    CHECK(b->frames().size() == 1);
  }
  SECTION("targets are typed: same id, other kind reaches nobody") {
    CHECK(publish(self, bp, {target_kind::user, "s1"}, "{}") == 0);
    CHECK(publish(self, bp, {target_kind::session, "unknown"}, "{}") == 0);
  }
  SECTION("detach removes the sink and every association") {
    self->send(bp, detach_atom::value, std::string("c-a"));
    CHECK(attached(self, bp) == 1);
    CHECK(publish(self, bp, {target_kind::session, "s1"}, "{}") == 1);
    CHECK(publish(self, bp, {target_kind::connection, "c-a"}, "{}") == 0);
    CHECK(a->frames().size() == 1);
  }
  SECTION("an association made before attach is skipped until the sink exists") {
    self->send(bp, associate_atom::value, std::string("c-late"),
               backplane_target{target_kind::org, "o1"});
    CHECK(publish(self, bp, {target_kind::org, "o1"}, "{}") == 0);
    auto late = std::make_shared<test::recording_sink>();
    self->send(bp, attach_atom::value, std::string("c-late"), net::event_sink_ptr(late));
    CHECK(publish(self, bp, {target_kind::org, "o1"}, "{}") == 1);
    CHECK(late->frames().size() == 1);
  }
  caf::anon_send_exit(bp, caf::exit_reason::user_shutdown);
}

TEST_CASE("backplane keeps per-publisher order", "[actors]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bp = spawn_backplane(sys);
  caf::scoped_actor self{sys};
  auto a = std::make_shared<test::recording_sink>();
  self->send(bp, attach_atom::value, std::string("c"), net::event_sink_ptr(a));
  for (int i = 0; i < 500; ++i)
    self->send(bp, publish_atom::value, backplane_target{target_kind::connection, "c"},
               net::make_frame(std::to_string(i)));
  CHECK(publish(self, bp, {target_kind::connection, "c"}, "end") == 1);
  auto frames = a->frames();
  REQUIRE(frames.size() == 501);
  for (int i = 0; i < 500; ++i) CHECK(frames[i] == std::to_string(i));
  caf::anon_send_exit(bp, caf::exit_reason::user_shutdown);
}

// README "Limits": a connection keeps the sessions it associated most recently; the least
// recent goes when one more is made (a socket that creates sessions without end must not
// grow the process without end). Other targets are never dropped.
TEST_CASE("backplane keeps a connection's most recent sessions up to the bound",
          "[actors][backplane]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  backplane_options options;
  options.max_sessions_per_connection = 3;
  auto bp = spawn_backplane(sys, nullptr, options);
  caf::scoped_actor self{sys};
  auto a = std::make_shared<test::recording_sink>();
  auto b = std::make_shared<test::recording_sink>();
  self->send(bp, attach_atom::value, std::string("c-a"), net::event_sink_ptr(a));
  self->send(bp, attach_atom::value, std::string("c-b"), net::event_sink_ptr(b));
  const auto session = [](int i) {
    return backplane_target{target_kind::session, "s" + std::to_string(i)};
  };
  self->send(bp, associate_atom::value, std::string("c-b"), session(1));
  self->send(bp, associate_atom::value, std::string("c-a"), session(1));
  self->send(bp, associate_atom::value, std::string("c-a"),
             backplane_target{target_kind::agent, "agent-1"});
  for (int i = 2; i <= 3; ++i)
    self->send(bp, associate_atom::value, std::string("c-a"), session(i));
  // At the bound: every session still reaches c-a.
  CHECK(publish(self, bp, session(1), "{}") == 2);
  // One more: c-a forgets s1 (its oldest session), not the agent, and c-b keeps s1.
  self->send(bp, associate_atom::value, std::string("c-a"), session(4));
  CHECK(publish(self, bp, session(1), "{}") == 1);
  CHECK(b->frames().size() == 2);
  CHECK(a->frames().size() == 1);
  for (int i = 2; i <= 4; ++i) CHECK(publish(self, bp, session(i), "{}") == 1);
  CHECK(publish(self, bp, {target_kind::agent, "agent-1"}, "{}") == 1);
  // Re-associating a session is idempotent but makes it the newest: s3 goes next, not s2.
  self->send(bp, associate_atom::value, std::string("c-a"), session(2));
  CHECK(publish(self, bp, session(2), "{}") == 1);
  // A forgotten session may be associated again; it is then the newest.
  self->send(bp, associate_atom::value, std::string("c-a"), session(1));
  CHECK(publish(self, bp, session(3), "{}") == 0);
  CHECK(publish(self, bp, session(2), "{}") == 1);
  CHECK(publish(self, bp, session(4), "{}") == 1);
  CHECK(publish(self, bp, session(1), "{}") == 2);
  std::uint64_t forgotten = 0;
  self->request(bp, 2s, caf::get_atom::value)
      .receive([&](const backplane_stats& st) { forgotten = st.sessions_forgotten; },
               [&](caf::error&) { FAIL(); });
  CHECK(forgotten == 2);
  // Detach still cleans up everything the connection holds.
  self->send(bp, detach_atom::value, std::string("c-a"));
  for (int i = 1; i <= 4; ++i) CHECK(publish(self, bp, session(i), "{}") == (i == 1 ? 1 : 0));
  caf::anon_send_exit(bp, caf::exit_reason::user_shutdown);
}
