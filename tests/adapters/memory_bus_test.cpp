// tests/adapters/memory_bus_test.cpp — the in-process broker keeps the message_bus
// contract (tests/adapters/message_bus_contract.hpp) that the NATS bus keeps for real
// (tests/net/nats_bus_test.cpp).
#include "adapters/backplane/memory_bus.hpp"
#include "tests/adapters/message_bus_contract.hpp"

using namespace so::adapters::backplane;
namespace bus_contract = so::test::bus_contract;

namespace {

class memory_rig final : public bus_contract::bus_rig {
 public:
  explicit memory_rig(bus_contract::rig_limits limits)
      : broker_(limits.max_pending == 0 ? 65536 : limits.max_pending) {}
  message_bus_ptr connect() override { return broker_.connect(); }
  void set_down(bool down) override { broker_.set_down(down); }
  void await_interest(const std::string&, std::size_t) override {}  // routes at once

 private:
  memory_broker broker_;
};

std::unique_ptr<bus_contract::bus_rig> make_memory_rig(bus_contract::rig_limits limits) {
  return std::make_unique<memory_rig>(limits);
}

}  // namespace

TEST_CASE("memory bus: a publish reaches every subscriber of the exact subject, with its origin",
          "[backplane]") {
  bus_contract::publish_reaches_exact_subscribers(make_memory_rig);
}

TEST_CASE("memory bus: extra headers travel with a message, besides the origin", "[backplane]") {
  bus_contract::headers_travel_with_the_message(make_memory_rig);
}

TEST_CASE("memory bus: requests are replied, refused with no responders, or time out",
          "[backplane]") {
  bus_contract::requests_are_replied_refused_or_timed_out(make_memory_rig);
}

TEST_CASE("memory bus: an outage drops publishes, tells listeners, and keeps subscriptions",
          "[backplane]") {
  bus_contract::outage_tells_listeners_and_keeps_subscriptions(make_memory_rig);
}

TEST_CASE("memory bus: the delivery queue is bounded and oversized payloads are refused",
          "[backplane]") {
  bus_contract::bounded_delivery_and_oversized_payloads(make_memory_rig);
}
