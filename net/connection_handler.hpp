// net/connection_handler.hpp — what a WebSocket session hands to the layer above.
//
// The socket layer knows nothing about actors: on upgrade it asks a
// `connection_factory` for an `inbound_handler` and feeds it what it reads.
// Flow control: each `on_text`/`on_binary` hands over one frame of inbound credit,
// which the layer above returns with event_sink::release_inbound once it has
// handled the frame (see event_sink.hpp); frames over the per-connection frame rate
// never reach the handler (`on_rate_limited` instead, at most once per second).
// Thread-safety: a handler is called from the I/O thread only, one call at a
// time, in read order; `on_closed` is called exactly once and is the last call.
#pragma once

#include "adapters/auth/principal.hpp"
#include "net/event_sink.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace so::net {

/// What the `/ws` upgrade request carried (protocol.md §1.2), and what verifying its
/// token yielded (admin-auth.md §1.9; verified once, before the 101).
struct upgrade_info {
  std::optional<std::string> token;   ///< `?token=` (URL-decoded, trimmed); never logged
  std::optional<std::string> origin;  ///< the `Origin` header
  std::string remote_endpoint;
  /// The connection's id, chosen by the socket layer at accept so its log lines and its
  /// actor's share it. A view into the session, valid while the handler lives (the
  /// session owns the handler); empty from callers that do not set it.
  std::string_view connection_id;
  /// The verified principal of `token`; nullopt = anonymous (no, blank or invalid token).
  std::optional<adapters::auth::principal> principal;
  /// The auth mode is single-user (`none`, `local-token`, `disabled`, or no
  /// authenticator): the connection's reads are unscoped (admin-auth.md §9).
  bool single_user = true;
};

class inbound_handler {
 public:
  virtual ~inbound_handler() = default;
  virtual void on_text(std::string text) = 0;
  virtual void on_binary() = 0;
  /// Frames were dropped: more than `max_per_sec` arrived within one second. Called
  /// for the first dropped frame of a one-second window only; the socket stays open.
  virtual void on_rate_limited(std::uint32_t max_per_sec) { (void)max_per_sec; }
  virtual void on_closed() = 0;
};

using connection_factory =
    std::function<std::unique_ptr<inbound_handler>(const upgrade_info&, event_sink_ptr sink)>;

}  // namespace so::net
