// Unexpected messages: logged, counted, answered with an error — never a silent drop
// (actors/unexpected_messages.hpp).
#include "actors/unexpected_messages.hpp"
#include "actors/backplane_actor.hpp"
#include "actors/messages.hpp"
#include "tests/actors/io_runtime.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace so::actors;
using namespace std::chrono_literals;

namespace {
using bogus_atom = caf::atom_constant<caf::atom("bogus")>;
}

TEST_CASE("unexpected messages: counted, answered with an error, the actor keeps working",
          "[actors]") {
  io_runtime rt(1);
  auto backplane = spawn_backplane(*rt.sys);
  {
    caf::scoped_actor self{*rt.sys};
    CHECK(unexpected_message_count(*rt.sys) == 0);
    bool failed_fast = false;
    self->request(backplane, 5s, bogus_atom::value, std::string("x"))
        .receive([](const caf::message&) {},
                 [&](const caf::error& e) { failed_fast = e == caf::sec::unexpected_message; });
    CHECK(failed_fast);         // not a 5 s timeout: the requester learns at once
    self->send(backplane, 42);  // a plain send is counted too
    std::size_t attached = 99;
    self->request(backplane, 5s, count_atom::value)
        .receive([&](std::size_t n) { attached = n; }, [](const caf::error&) {});
    CHECK(attached == 0);  // still answering, and in order: both drops happened before
    CHECK(unexpected_message_count(*rt.sys) == 2);
  }
  caf::anon_send_exit(backplane, caf::exit_reason::user_shutdown);
}
