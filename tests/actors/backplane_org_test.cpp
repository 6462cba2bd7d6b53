// Backplane actor: org-restricted publish (decisions.md "POST /admin/publish"): a
// connection's org is its principal's, else the orgs of the sessions it joined.
#include "actors/backplane_actor.hpp"
#include "actors/messages.hpp"
#include "tests/actors/actor_test_support.hpp"

#include <catch2/catch.hpp>

using namespace so;
using namespace so::actors;
using namespace std::chrono_literals;

namespace {

std::size_t publish_in(caf::scoped_actor& self, const caf::actor& bp, backplane_target t,
                       const std::string& org) {
  std::size_t n = 99;
  self->request(bp, 2s, publish_atom::value, std::move(t), net::make_frame("{}"), org)
      .receive([&](std::size_t delivered) { n = delivered; }, [&](caf::error&) { FAIL(); });
  return n;
}

}  // namespace

TEST_CASE("backplane: an org-restricted publish reaches only that org's connections",
          "[actors][backplane]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto bp = spawn_backplane(sys);
  caf::scoped_actor self{sys};
  auto anon = std::make_shared<test::recording_sink>();      // no principal, session in org-a
  auto signed_b = std::make_shared<test::recording_sink>();  // principal org-b
  auto legacy = std::make_shared<test::recording_sink>();    // associated without an org
  self->send(bp, attach_atom::value, std::string("c-anon"), net::event_sink_ptr(anon));
  self->send(bp, attach_atom::value, std::string("c-b"), net::event_sink_ptr(signed_b),
             std::string("org-b"));
  self->send(bp, attach_atom::value, std::string("c-legacy"), net::event_sink_ptr(legacy));
  const backplane_target s1{target_kind::session, "s1"};
  self->send(bp, associate_atom::value, std::string("c-anon"), s1, std::string("org-a"));
  // A principal's org wins over the org of a session it joins (e.g. a widget org).
  self->send(bp, associate_atom::value, std::string("c-b"), s1, std::string("org-a"));
  self->send(bp, associate_atom::value, std::string("c-legacy"), s1);

  CHECK(publish_in(self, bp, s1, "org-a") == 1);
  CHECK(anon->frames().size() == 1);
  CHECK(signed_b->frames().empty());
  CHECK(legacy->frames().empty());
  CHECK(publish_in(self, bp, s1, "org-b") == 1);
  CHECK(signed_b->frames().size() == 1);
  CHECK(publish_in(self, bp, s1, "org-c") == 0);
  // Connection targets obey the same rule.
  CHECK(publish_in(self, bp, {target_kind::connection, "c-anon"}, "org-b") == 0);
  CHECK(publish_in(self, bp, {target_kind::connection, "c-anon"}, "org-a") == 1);
  CHECK(publish_in(self, bp, {target_kind::connection, "c-b"}, "org-b") == 1);
  // The unrestricted publish still reaches everyone.
  std::size_t n = 0;
  self->request(bp, 2s, publish_atom::value, s1, net::make_frame("{}"))
      .receive([&](std::size_t d) { n = d; }, [&](caf::error&) { FAIL(); });
  CHECK(n == 3);
  // Detach forgets the orgs.
  self->send(bp, detach_atom::value, std::string("c-anon"));
  CHECK(publish_in(self, bp, s1, "org-a") == 0);
}
