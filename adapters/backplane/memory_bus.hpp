// adapters/backplane/memory_bus.hpp — an in-process broker and its buses (test double).
//
// `memory_broker` plays nats-server inside one process: exact-subject routing,
// at-most-once, request/reply with "no responders" and timeouts, and an outage switch
// (`set_down`) so tests can take the broker away and bring it back. Each server under
// test gets its own `memory_bus` (its own origin) attached to one shared broker, which
// is how two in-process servers are bridged without a real NATS.
//
// Thread-safety: all members of both classes may be called from any thread. Handlers
// run on the broker's single delivery thread, in publish order, never inside
// `publish` (no re-entrancy). The delivery queue is bounded (`max_queued`): at the
// bound a publish is refused and counted as `publish_dropped`, like a NATS client
// whose pending buffer is full. Destroying the broker stops its thread; buses that
// outlive it behave as closed.
#pragma once

#include "adapters/backplane/message_bus.hpp"

#include <memory>

namespace so::adapters::backplane {

class memory_broker {
 public:
  explicit memory_broker(std::size_t max_queued = 65536, std::size_t max_payload = 1 << 20);
  ~memory_broker();
  memory_broker(const memory_broker&) = delete;
  memory_broker& operator=(const memory_broker&) = delete;

  /// A new client of this broker with a fresh origin.
  message_bus_ptr connect();

  /// Simulates an outage: while down, publishes and requests fail (counted), nothing
  /// is delivered, and every bus's state listener hears `disconnected`; coming back
  /// up tells them `reconnected`. Subscriptions survive (as NATS re-subscribes).
  void set_down(bool down);

  /// Messages waiting for delivery (tests wait for zero to know the bus is quiet).
  std::size_t queued() const;

  /// Blocks until every message published so far was handed to its handler.
  void flush();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace so::adapters::backplane
