// net/event_sink.hpp — where outbound events go: the seam between actors and sockets.
//
// A sink is one client connection's ordered outbound queue. Actors push frames
// that were serialized once (`frame`); the same bytes may be pushed to many sinks.
// Thread-safety: every member may be called from any thread and never blocks.
// Pushes from one thread are delivered in call order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace so::net {

/// One serialized event, shared by every connection it is fanned out to.
using frame = std::shared_ptr<const std::string>;

inline frame make_frame(std::string json) {
  return std::make_shared<const std::string>(std::move(json));
}

class event_sink {
 public:
  virtual ~event_sink() = default;
  /// Queues `f` for sending as one text frame. Dropped silently once closed.
  virtual void push(frame f) = 0;
  /// Closes the connection with a WebSocket close code (e.g. 1001 going away).
  virtual void close(std::uint16_t code, std::string reason) = 0;
  /// False once the connection is gone (pushes are then dropped).
  virtual bool is_open() const = 0;
};

using event_sink_ptr = std::shared_ptr<event_sink>;

}  // namespace so::net
