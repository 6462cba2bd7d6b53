// adapters/backplane/message_bus.hpp — the seam between the actors and a message broker.
//
// The backplane actor (interest-based event subjects) and the turn-control routing
// (cross-process confirm and cancel) talk to other processes only through this
// interface. Implementations: net/nats_bus (NATS, production) and
// adapters/backplane/memory_bus (an in-process broker: the test double, and what
// lets two in-process servers share a "bus" in tests).
//
// Semantics are core NATS: exact subjects, at-most-once, no persistence. Every
// publish carries this process's `origin()` as a message header, so a process can
// recognise (and skip) its own echo; a message from a raw publisher has no origin.
//
// Thread-safety: every member may be called from any thread and NEVER blocks the
// caller (actors and io threads call it). Handlers run on the bus's own threads
// (NATS library threads); a handler must only hand the message off (a CAF send) and
// return: it must not block, and must not call `unsubscribe` for its own subject.
// After `unsubscribe` returns, the handler may still run once for a message already
// being delivered; the handler must tolerate that (the owners ignore such messages).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::backplane {

/// Extra message headers besides the origin (name → value; NATS message headers).
/// The backplane carries the org of an org-restricted publish in one (`Smooth-Org`).
using bus_headers = std::map<std::string, std::string>;

/// One message as a bus hands it to a subscriber.
struct bus_message {
  std::string subject;
  std::string payload;
  /// The origin header: the publishing process's `origin()`; empty for a raw publisher.
  std::string origin;
  /// Where a reply goes (non-empty for a request); answer with `message_bus::publish`.
  std::string reply;
  /// Every header of the message except the origin one (empty for most messages).
  bus_headers headers;
};

/// Called once per message on a bus thread; must not block.
using bus_handler = std::function<void(bus_message&&)>;

/// How a request ended. `done` is called at most once per request.
enum class request_outcome {
  replied,        ///< `payload` holds the reply
  no_responders,  ///< nobody is subscribed to the subject (the broker said so at once)
  timed_out,      ///< no reply within the timeout
  failed,         ///< not sent: disconnected and the pending buffer full, or too large
};

struct bus_reply {
  request_outcome outcome = request_outcome::failed;
  std::string payload;
};

using reply_handler = std::function<void(bus_reply&&)>;

/// The bus's connection to its broker, as reported to the state listener.
enum class bus_state { connected, disconnected, reconnected, closed };

/// Monotonic counters (for logs, tests and /metrics); read with `stats()`.
struct bus_stats {
  std::uint64_t published = 0;        ///< messages handed to the broker (or its buffer)
  std::uint64_t publish_dropped = 0;  ///< publishes refused: too large, buffer full, closed
  std::uint64_t received = 0;         ///< messages handed to a subscriber's handler
  std::uint64_t receive_dropped = 0;  ///< messages the library dropped (slow consumer)
  std::uint64_t reconnects = 0;
  std::uint64_t subscriptions = 0;  ///< current subject subscriptions
  bool connected = true;            ///< the link to the broker is up now
};

class message_bus {
 public:
  virtual ~message_bus() = default;

  /// This process's id on the bus (a UUID minted at construction).
  virtual const std::string& origin() const = 0;

  /// Publishes `payload` on `subject` with the origin header. Returns false when the
  /// message was dropped (counted): larger than the broker's max payload, the
  /// reconnect buffer full during an outage, or the bus closed.
  virtual bool publish(const std::string& subject, std::string_view payload) = 0;

  /// As `publish`, and the subscribers also receive `headers` in `bus_message::headers`.
  /// The default refuses (returns false, nothing sent): a bus that cannot carry the
  /// headers must not deliver the message without them, since a header may restrict
  /// who the message is for (the backplane's org scope). A real bus overrides it.
  virtual bool publish_with_headers(const std::string& subject, std::string_view payload,
                                    const bus_headers& headers) {
    (void)subject, (void)payload, (void)headers;
    return false;
  }

  /// Starts delivering `subject` to `handler`. One handler per subject: subscribing a
  /// subject twice replaces nothing and returns false. False also when the bus is closed.
  virtual bool subscribe(const std::string& subject, bus_handler handler) = 0;

  /// Stops delivering `subject` (a no-op for a subject not subscribed).
  virtual void unsubscribe(const std::string& subject) = 0;

  /// Sends a request; `done` runs once on a bus thread with the reply, `no_responders`,
  /// `timed_out` (after about `timeout`) or `failed` (possibly before `request` returns).
  virtual void request(const std::string& subject, std::string_view payload,
                       std::chrono::milliseconds timeout, reply_handler done) = 0;

  /// Optional: told about connection changes, on a bus thread (must not block).
  virtual void on_state(std::function<void(bus_state)> listener) = 0;

  virtual bus_stats stats() const = 0;

  /// The broker's max payload in bytes (NATS: from its INFO; default 1 MiB).
  virtual std::size_t max_payload() const = 0;
};

using message_bus_ptr = std::shared_ptr<message_bus>;

}  // namespace so::adapters::backplane
