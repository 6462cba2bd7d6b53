// net/event_sink.hpp — the seam between actors and sockets: outbound events go
// through it, and inbound credit comes back through it.
//
// A sink is one client connection's ordered outbound queue. Actors push frames
// that were serialized once (`frame`); the same bytes may be pushed to many sinks.
// Inbound flow control: every frame the socket hands to the layer above
// (inbound_handler::on_text / on_binary) is "in flight" until that layer calls
// `release_inbound` for it; at SMOOTH_AGENT_MAX_INBOUND_FRAMES / _BYTES in flight the
// socket stops reading, so TCP pushes back on the client.
// Thread-safety: every member may be called from any thread and never blocks.
// Pushes from one thread are delivered in call order.
#pragma once

#include <cstddef>
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
  /// The layer above has handled one inbound frame of `bytes` bytes (the size of the
  /// text it was given, 0 for a binary frame): its credit goes back to the socket.
  /// Call exactly once per on_text/on_binary, after handling it. Cheap (two atomic
  /// decrements); wakes the socket's thread only when reading was paused.
  virtual void release_inbound(std::size_t bytes) { (void)bytes; }
};

using event_sink_ptr = std::shared_ptr<event_sink>;

}  // namespace so::net
