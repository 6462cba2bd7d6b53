// net/nats_bus.hpp — the message_bus over a real NATS server (nats.c, Debian libnats).
//
// Core NATS only (no JetStream): at-most-once, exact subjects, the origin in the
// `Smooth-Origin` header. The library's own threads deliver messages and connection
// events; handlers only hand them to actors (message_bus.hpp). After boot the client
// reconnects by itself forever and re-subscribes every subject.
//
// Never blocking the caller: nats.c writes to the socket under the connection's lock
// (up to its write deadline when the broker does not read), so callers never call into
// the library for outbound traffic. publish/subscribe/unsubscribe/request only queue a
// command for the bus's sender thread, in call order. Bounds, each dropped and counted:
// the send queue (`send_queue_bytes` of payload: beyond it `publish` returns false and
// `publish_dropped` grows); the library's reconnect buffer while disconnected
// (`reconnect_buffer_bytes`: beyond it the sender's publish fails, counted as
// `publish_dropped` although `publish` had returned true); each subscription's pending
// limits (`pending_messages`/`pending_bytes`: a slow consumer's overflow is counted as
// `receive_dropped`); at most 4096 requests waiting for a reply (beyond: `failed` at
// once). A request while disconnected fails at once.
//
// Threads: one delivery thread shared by every subscription of the process (global
// message delivery: thousands of subjects, not thousands of threads), the library's
// per-connection reader and flusher, its shared callback thread, and per bus one sender
// and one request-timer thread. Connection events are logged with every URL redacted.
// The single delivery thread is also an ordering guarantee the actors rely on: a reply
// and the messages published after it by the same process arrive in that order (a
// cross-process confirm's 200 ack is pushed before the resumed turn's events, see
// actors/session_actor.cpp). Do not raise nats.c's delivery pool size.
//
// Thread-safety: as message_bus (every member from any thread, never blocks), except
// the factory, which blocks while it connects and is called once at boot, and the
// destructor, which closes the connection and returns once no handler or listener of
// this bus runs any more (requests still waiting get `failed`); listeners are not told
// about the bus's own shutdown.
#pragma once

#include "adapters/backplane/message_bus.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace so::net {

struct nats_bus_options {
  /// One or more servers, comma-separated: nats://[user:password@|token@]host:port, tls://…
  std::string urls;
  std::optional<std::string> creds_file;   ///< SMOOTH_AGENT_NATS_CREDS
  std::optional<std::string> tls_ca_file;  ///< SMOOTH_AGENT_NATS_TLS_CA (TLS required when set)
  std::string connection_name = "smooth-operator-cpp";
  /// Publishes buffered while disconnected; beyond it they are dropped (counted).
  std::size_t reconnect_buffer_bytes = 8u << 20;
  /// Bytes of publishes queued for the bus's sender thread (the only thread that calls
  /// into the library for outbound traffic); beyond it a publish is refused (counted).
  std::size_t send_queue_bytes = 8u << 20;
  std::chrono::milliseconds reconnect_wait{250};
  std::chrono::milliseconds connect_timeout{2000};
  /// A broker that stops answering PINGs (2 unanswered) is treated as lost: reconnect.
  std::chrono::milliseconds ping_interval{20000};
  /// Per-subscription pending limits in the library (slow consumer beyond them).
  int pending_messages = 65536;
  int pending_bytes = 64 << 20;
};

/// Connects (blocking, at boot). Throws std::runtime_error naming the URL (without
/// credentials) and the library's reason when the broker cannot be reached: a backplane
/// that was asked for never falls back to in-memory silently.
adapters::backplane::message_bus_ptr connect_nats_bus(const nats_bus_options& options);

/// `urls` (comma-separated) with every `user:password@` / `token@` replaced by
/// `[redacted]@`: what logs and error messages show. Pure function.
std::string redact_nats_urls(std::string_view urls);

}  // namespace so::net
