// net/connection_slot.hpp — one reserved WebSocket slot (SMOOTH_AGENT_MAX_CONNECTIONS)
// between the upgrade decision and the websocket_session that takes it over.
//
// The slot is reserved before the token is verified (two racing upgrades can never
// both take the last slot); whatever ends the upgrade before the hand-over — a 401,
// a client gone during verification, a shutdown — destroys the guard, which gives
// the slot back. Move-only; not thread-safe (one owner at a time, handed along with
// the upgrade's continuation).
#pragma once

#include "net/session_registry.hpp"

#include <memory>
#include <utility>

namespace so::net {

class connection_slot {
 public:
  /// Adopts a slot already taken with session_registry::reserve_connection.
  explicit connection_slot(std::shared_ptr<session_registry> registry)
      : registry_(std::move(registry)) {}
  ~connection_slot() {
    if (registry_) registry_->release_connection();
  }
  connection_slot(connection_slot&& other) noexcept : registry_(std::move(other.registry_)) {}
  connection_slot& operator=(connection_slot&&) = delete;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

  /// The websocket_session owns the slot from now on (it releases it when destroyed).
  void hand_over() { registry_.reset(); }
  /// Gives the slot back now. Called BEFORE a refusal is written: the write may reach
  /// the client at once, and a client that reconnects must find the slot free.
  void release() {
    if (registry_) registry_->release_connection();
    registry_.reset();
  }

 private:
  std::shared_ptr<session_registry> registry_;
};

}  // namespace so::net
