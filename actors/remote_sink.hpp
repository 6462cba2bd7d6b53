// actors/remote_sink.hpp — an event_sink that carries a turn's events to a connection of
// another process, over the message bus.
//
// When a client confirms, from process B, a turn parked on process A, the rest of that
// turn goes to B's connection (docs/architecture.md "Confirmations and cancel"): A's turn
// pushes into this sink, which publishes each frame verbatim on the Connection event
// subject of that connection (`smooth-operator.conn.<connectionId>`). B's process is
// subscribed to it because each of its connections is associated with its Connection
// target, and delivers the frame to the socket. One publisher, one subject: the frames
// arrive in push order (at most once, like every bus message).
//
// It never blocks: `push` is one `message_bus::publish`, which only queues. A frame the
// bus refuses (too large, outage buffer full) is dropped and counted (`dropped()`; the
// first drop is logged). `is_open` is always true: A cannot see B's socket, so the sink
// stays "open" for as long as the turn holds it (it ends with the turn); frames for a
// socket that is gone reach nobody. `close` is a no-op: A never closes B's sockets.
// Inbound credit does not apply (nothing is read through it).
// Thread-safety: every member may be called from any thread.
#pragma once

#include "adapters/backplane/message_bus.hpp"
#include "net/event_sink.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace so::actors {

class remote_sink final : public net::event_sink {
 public:
  remote_sink(adapters::backplane::message_bus_ptr bus, std::string connection_id);

  void push(net::frame f) override;
  void close(std::uint16_t code, std::string reason) override;  ///< a no-op (see above)
  bool is_open() const override { return true; }

  const std::string& connection_id() const { return connection_id_; }
  const std::string& subject() const { return subject_; }
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  adapters::backplane::message_bus_ptr bus_;
  std::string connection_id_;
  std::string subject_;
  std::atomic<std::uint64_t> dropped_{0};
};

/// A remote_sink for `connection_id` (`bus` must not be null).
std::shared_ptr<remote_sink> make_remote_sink(adapters::backplane::message_bus_ptr bus,
                                              std::string connection_id);

}  // namespace so::actors
