// tests/actors/backplane_calls.hpp — asking a backplane actor, for its tests.
#pragma once

#include "actors/backplane_actor.hpp"
#include "actors/messages.hpp"
#include "net/event_sink.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace so::test {

/// Publishes `json` to `t` through the backplane `bp`; the number of sinks it reached
/// (99 when no answer came: the test fails there).
inline std::size_t publish(caf::scoped_actor& self, const caf::actor& bp,
                           const actors::backplane_target& t, const std::string& json) {
  std::size_t n = 99;
  self->request(bp, std::chrono::seconds(5), actors::publish_atom::value, t, net::make_frame(json))
      .receive([&](std::size_t delivered) { n = delivered; }, [&](caf::error&) { FAIL(); });
  return n;
}

}  // namespace so::test
