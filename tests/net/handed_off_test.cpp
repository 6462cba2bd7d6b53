// tests/net/handed_off_test.cpp — net/handed_off.hpp: the first call takes the value,
// and copies of a callback share one slot.
#include "net/handed_off.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>

using so::net::handed_off;

TEST_CASE("handed_off: the first take gets the value, later ones nothing", "[handed_off]") {
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  handed_off<std::shared_ptr<int>> held(std::move(owned));
  const auto copy = held;  // as a std::function copies its lambda
  auto first = copy.take();
  REQUIRE(first);
  CHECK(**first == 7);
  CHECK_FALSE(held.take());
  first.reset();
  // Neither the original nor the copy keeps the object alive any more.
  CHECK(watch.expired());
}

TEST_CASE("handed_off: a callback destroyed after its call holds nothing", "[handed_off]") {
  auto owned = std::make_shared<int>(1);
  std::weak_ptr<int> watch = owned;
  std::shared_ptr<int> moved_on;
  std::function<void()> callback = [held = handed_off(std::move(owned)), &moved_on] {
    if (auto v = held.take()) moved_on = std::move(*v);
  };
  callback();
  CHECK_FALSE(watch.expired());  // moved on to what the call handed it to
  moved_on.reset();
  CHECK(watch.expired());  // the callback itself, still alive, owns nothing
}
