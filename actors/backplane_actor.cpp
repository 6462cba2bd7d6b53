#include "actors/backplane_actor.hpp"

#include "actors/backplane_subjects.hpp"
#include "actors/messages.hpp"
#include "actors/target_table.hpp"
#include "actors/unexpected_messages.hpp"
#include "protocol/json.hpp"
#include "protocol/percent_encoding.hpp"
#include "protocol/utf8.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace so::actors {

namespace {

namespace bus = adapters::backplane;

/// The header that carries the org of an org-restricted publish.
constexpr const char* org_header = "Smooth-Org";

/// A header value NATS carries intact: bytes outside '!'..'~' and '%' become %XX (CR/LF
/// would end the header, and NATS trims spaces around values). Decoded with
/// protocol::percent_decode.
std::string encode_header_value(std::string_view v) {
  return protocol::percent_encode(v,
                                  [](unsigned char c) { return c > 0x20 && c < 0x7F && c != '%'; });
}

struct target_hash {
  std::size_t operator()(const backplane_target& t) const noexcept {
    return target_table::hash_of(t);
  }
};

}  // namespace
}  // namespace so::actors

#if defined(__GLIBCXX__)
// libstdc++ stores a node's hash code only when the hasher is not deemed "fast", and it
// deems every user hasher fast. Ours hashes a 36-byte id: without stored codes every
// bucket walk re-hashes the neighbouring nodes' ids, a cache miss each (5 % of a create's
// CPU with 200k sessions associated, when the association map was such a set;
// docs/benchmarks.md, "a new VM, and creates again"). `subscribed` is one, as large with
// a bus.
template <>
struct std::__is_fast_hash<so::actors::target_hash> : std::false_type {};
#endif

namespace so::actors {
namespace {

/// At most one log line per second per call site; callable from any thread.
class log_throttle {
 public:
  bool allow() {
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto next = next_.load(std::memory_order_relaxed);
    if (now < next) return false;
    const auto second =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1))
            .count();
    return next_.compare_exchange_strong(next, now + second, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::chrono::steady_clock::rep> next_{0};
};

/// Shared by the bus handlers (bus threads) and the actor: the hand-off bound.
struct handoff {
  explicit handoff(std::size_t bound) : max(bound) {}
  const std::size_t max;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::uint64_t> dropped{0};
  log_throttle drop_log;

  /// Takes one slot; false at the bound (the message is then dropped and counted).
  bool acquire() {
    if (in_flight.fetch_add(1, std::memory_order_acq_rel) < max) return true;
    in_flight.fetch_sub(1, std::memory_order_acq_rel);
    dropped.fetch_add(1, std::memory_order_relaxed);
    if (drop_log.allow())
      spdlog::warn(
          "backplane: {} bus messages waiting for the backplane actor; dropping ({} so far)", max,
          dropped.load(std::memory_order_relaxed));
    return false;
  }
  void release() { in_flight.fetch_sub(1, std::memory_order_acq_rel); }
};

std::optional<backplane_target> decode_legacy_target(const rapidjson::Value& v) {
  if (!v.IsObject() || v.MemberCount() != 1) return std::nullopt;
  const auto& m = *v.MemberBegin();
  if (!m.value.IsString()) return std::nullopt;
  const auto kind = target_kind_named(
      std::string_view(m.name.GetString(), m.name.GetStringLength()), &target_kind_names::legacy);
  if (!kind) return std::nullopt;
  return backplane_target{*kind, std::string(m.value.GetString(), m.value.GetStringLength())};
}

/// The reference envelope of §6.5 with our marker (decisions.md "Backplane over NATS").
std::string legacy_envelope(const std::string& origin, const backplane_target& t,
                            const std::string& event) {
  rapidjson::StringBuffer buf;
  protocol::json_writer w(buf);
  w.StartObject();
  protocol::write_key(w, "origin");
  protocol::write_string(w, origin);
  protocol::write_key(w, "target");
  w.StartObject();
  protocol::write_key(w, names_of(t.kind).legacy);
  protocol::write_string(w, t.id);
  w.EndObject();
  protocol::write_key(w, "event");
  protocol::write_raw(w, event, rapidjson::kObjectType);
  protocol::write_key(w, "smoothCpp");
  w.Bool(true);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

// Hashed containers: a connection that creates many sessions is associated with all
// of them, so these sets grow with the sessions; every create adds to them.
struct backplane_state {
  std::unordered_map<std::string, net::event_sink_ptr> sinks;
  target_table conns_of;  // target → conns
  using target_entry = target_table::entry;
  /// conn → its targets: conns_of's entries (an entry lives while it has a connection,
  /// so while any of these point to it). Each (conn, target) pair once.
  /// Its keys are the connection ids conns_of's sets point to (erased last, in detach).
  /// Session targets in association order, the oldest at `oldest`: forgetting it moves
  /// the window, and the vector is compacted once half of it is behind (O(1) amortized,
  /// no per-connection deque block).
  struct connection_targets {
    /// A session entry and its hash (known without touching the entry: see associate).
    struct session_entry {
      target_entry* entry;
      std::size_t hash;
      bool operator==(const target_entry* e) const { return entry == e; }
    };
    std::vector<target_entry*> others;    ///< connection, agent, user, org targets
    std::vector<session_entry> sessions;  ///< associated: [oldest, end)
    std::size_t oldest = 0;
    std::size_t session_count() const { return sessions.size() - oldest; }
  };
  std::unordered_map<std::string, connection_targets> targets_of;
  // A connection's org (decisions.md, admin publish): its principal's org when it has
  // one, else the orgs of the sessions it is associated with.
  std::unordered_map<std::string, std::string> principal_org_of;  // conn → org
  std::unordered_map<std::string, std::unordered_set<std::string>> association_orgs_of;

  // ---- the bridge (all unused without a bus) ----
  bus::message_bus_ptr bus;
  backplane_options options;
  std::shared_ptr<handoff> inbox;
  caf::weak_actor_ptr self_ref;  // handlers hold it weakly: no cycle through the bus
  std::unordered_set<backplane_target, target_hash> subscribed;
  backplane_stats stats;
  log_throttle drop_log, publish_log, subscribe_log;
  static inline const char* name = "backplane";

  backplane_state() = default;
  backplane_state(const backplane_state&) = delete;
  backplane_state& operator=(const backplane_state&) = delete;
  ~backplane_state() {
    if (!bus) return;
    for (const auto& t : subscribed) bus->unsubscribe(event_subject(t.kind, t.id));
    if (options.legacy_subject) bus->unsubscribe(std::string(legacy_subject));
  }

  // ---- registry ----

  void attach(const std::string& conn, net::event_sink_ptr sink) {
    sinks[conn] = std::move(sink);
    update_interest(backplane_target{target_kind::connection, conn});
  }

  void detach(const std::string& conn) {
    sinks.erase(conn);
    principal_org_of.erase(conn);
    association_orgs_of.erase(conn);
    auto it = targets_of.find(conn);
    if (it != targets_of.end()) {
      const auto& mine = it->second;
      for (auto* entry : mine.others) drop_association(it->first, entry);
      for (auto i = mine.oldest; i < mine.sessions.size(); ++i)
        drop_association(it->first, mine.sessions[i].entry);
      targets_of.erase(it);
    }
    update_interest(backplane_target{target_kind::connection, conn});
  }

  bool in_org(const std::string& conn, const std::string& org) const {
    if (auto p = principal_org_of.find(conn); p != principal_org_of.end()) return p->second == org;
    auto a = association_orgs_of.find(conn);
    return a != association_orgs_of.end() && a->second.count(org) > 0;
  }

  void associate(const std::string& conn, const backplane_target& t) {
    // The key of targets_of is the connection's one interned id (target_connections.hpp).
    auto& [interned, mine] = *targets_of.try_emplace(conn).first;
    // At the bound the oldest session goes next: its entry's and its slot's cache
    // misses overlap the insert's (docs/benchmarks.md, "creates: a store a third smaller").
    if (t.kind == target_kind::session &&
        mine.session_count() >= options.max_sessions_per_connection && mine.session_count() > 0) {
      const auto& oldest = mine.sessions[mine.oldest];
      __builtin_prefetch(oldest.entry);
      conns_of.prefetch_slot(oldest.hash);
    }
    auto* entry = conns_of.try_emplace(t).first;
    if (!entry->conns.insert(&interned)) {  // idempotent, but a session in use is kept
      if (t.kind == target_kind::session) make_newest(mine, entry);
      return;
    }
    if (t.kind != target_kind::session) {
      mine.others.push_back(entry);
    } else {
      mine.sessions.push_back({entry, entry->hash});
    }
    update_interest(t);
    if (mine.session_count() > options.max_sessions_per_connection)
      forget_oldest_session(interned, mine);
  }

  /// A session the connection resolves again is the last one it would forget (a scan:
  /// resolves are rare next to creates).
  static void make_newest(connection_targets& mine, target_entry* entry) {
    const auto from = mine.sessions.begin() + static_cast<std::ptrdiff_t>(mine.oldest);
    auto it = std::find(from, mine.sessions.end(), entry);
    if (it != mine.sessions.end()) std::rotate(it, std::next(it), mine.sessions.end());
  }

  void forget_oldest_session(const std::string& interned, connection_targets& mine) {
    auto* entry = mine.sessions[mine.oldest++].entry;
    if (mine.oldest * 2 >= mine.sessions.size()) {  // compact: half of it is behind
      mine.sessions.erase(mine.sessions.begin(),
                          mine.sessions.begin() + static_cast<std::ptrdiff_t>(mine.oldest));
      mine.oldest = 0;
    }
    ++stats.sessions_forgotten;
    drop_association(interned, entry);
  }

  /// Takes connection `interned` out of `entry`'s set; an empty target goes, and with
  /// it the interest in its subject.
  void drop_association(const std::string& interned, target_entry* entry) {
    entry->conns.erase(&interned);
    if (entry->conns.empty()) {
      auto t = std::move(entry->target);  // the key dies with its entry
      conns_of.erase(entry);              // prune empty targets
      update_interest(t);
    }
  }

  /// Delivers to the connections of `t`; with `org`, only to connections in that org.
  std::size_t deliver_local(const backplane_target& t, const net::frame& f,
                            const std::string* org) {
    if (t.kind == target_kind::connection) return org && !in_org(t.id, *org) ? 0 : deliver(t.id, f);
    const auto* entry = conns_of.find(t);
    if (entry == nullptr) return 0;
    std::size_t n = 0;
    entry->conns.for_each([&](const std::string& conn) {
      if (!org || in_org(conn, *org)) n += deliver(conn, f);
    });
    return n;
  }

  std::size_t deliver(const std::string& conn, const net::frame& f) {
    auto s = sinks.find(conn);
    if (s == sinks.end()) return 0;  // associated before attach: skipped
    s->second->push(f);
    return 1;
  }

  // ---- publish: local first, then exactly one bus message ----

  std::size_t publish(const backplane_target& t, const net::frame& f, const std::string* org) {
    const auto n = deliver_local(t, f, org);
    if (!bus) return n;
    const auto subject = event_subject(t.kind, t.id);
    const bool sent =
        org ? bus->publish_with_headers(subject, *f, {{org_header, encode_header_value(*org)}})
            : bus->publish(subject, *f);
    count_publish(sent, subject);
    if (options.legacy_subject) {
      const std::string subject_legacy(legacy_subject);
      count_publish(bus->publish(subject_legacy, legacy_envelope(bus->origin(), t, *f)),
                    subject_legacy);
    }
    return n;
  }

  void count_publish(bool sent, const std::string& subject) {
    if (sent) {
      ++stats.bus_published;
      return;
    }
    ++stats.bus_publish_dropped;
    if (publish_log.allow())
      spdlog::warn("backplane: the bus refused a publish on {} ({} refused so far)", subject,
                   stats.bus_publish_dropped);
  }

  // ---- interest ----

  bool interested(const backplane_target& t) const {
    return (t.kind == target_kind::connection && sinks.count(t.id) > 0) ||
           conns_of.find(t) != nullptr;
  }

  void update_interest(const backplane_target& t) {
    if (!bus) return;
    const bool want = interested(t);
    const bool have = subscribed.count(t) > 0;
    if (want == have) return;
    const auto subject = event_subject(t.kind, t.id);
    if (!want) {
      bus->unsubscribe(subject);
      subscribed.erase(t);
    } else if (bus->subscribe(subject, event_handler(t))) {
      subscribed.insert(t);
    } else if (subscribe_log.allow()) {
      // Retried when the next connection associates with the target.
      spdlog::warn("backplane: could not subscribe {}", subject);
    }
    stats.subscriptions = subscribed.size();
  }

  bus::bus_handler event_handler(const backplane_target& t) {
    return [t, inbox = inbox, ref = self_ref](bus::bus_message&& m) {
      auto strong = ref.lock();
      if (!strong || !inbox->acquire()) return;
      std::string org;
      auto h = m.headers.find(org_header);
      const bool scoped = h != m.headers.end();
      if (scoped) org = std::move(h->second);
      caf::anon_send(caf::actor_cast<caf::actor>(strong), bus_event_atom::value, t,
                     std::move(m.payload), std::move(m.origin), scoped, std::move(org));
    };
  }

  bus::bus_handler legacy_handler() {
    return [inbox = inbox, ref = self_ref](bus::bus_message&& m) {
      auto strong = ref.lock();
      if (!strong || !inbox->acquire()) return;
      caf::anon_send(caf::actor_cast<caf::actor>(strong), bus_legacy_atom::value,
                     std::move(m.payload), std::move(m.origin));
    };
  }

  // ---- inbound ----

  void on_event(const backplane_target& t, std::string& payload, const std::string& origin,
                bool scoped, const std::string& org_header_value) {
    ++stats.bus_received;
    if (!subscribed.count(t)) {
      ++stats.ignored_unsubscribed;
      return;
    }
    if (origin == bus->origin()) {  // the origin delivered locally already
      ++stats.echo_skipped;
      return;
    }
    const auto subject = event_subject(t.kind, t.id);
    if (!valid_event(payload, subject)) return;
    std::optional<std::string> org;
    if (scoped && !(org = protocol::percent_decode(org_header_value)))
      return drop(stats.dropped_bad_envelope, "a malformed org header", subject);
    stats.bus_delivered +=
        deliver_local(t, net::make_frame(std::move(payload)), org ? &*org : nullptr);
  }

  void on_legacy(const std::string& payload, const std::string& origin) {
    ++stats.bus_received;
    const std::string subject(legacy_subject);
    if (origin == bus->origin()) {
      ++stats.echo_skipped;
      return;
    }
    // Room for the envelope around an event of the frame limit.
    if (payload.size() > options.max_frame_bytes + 4096) {
      drop(stats.dropped_too_large, "larger than the frame limit", subject);
      return;
    }
    rapidjson::Document doc;
    if (!protocol::is_valid_utf8(payload))
      return drop(stats.dropped_not_utf8, "not UTF-8", subject);
    if (!protocol::parse_untrusted(doc, payload).ok || !doc.IsObject())
      return drop(stats.dropped_not_json_object, "not a JSON object", subject);
    if (auto marker = protocol::get_bool(doc, "smoothCpp"); marker && *marker) {
      ++stats.echo_skipped;  // ours: its event-subject copy is the one we deliver
      return;
    }
    if (auto o = protocol::get_string(doc, "origin"); o && *o == bus->origin()) {
      ++stats.echo_skipped;
      return;
    }
    const auto* target = protocol::get_member(doc, "target");
    const auto* event = protocol::get_member(doc, "event");
    auto t = target ? decode_legacy_target(*target) : std::nullopt;
    if (!t || !event)
      return drop(stats.dropped_bad_envelope, "an envelope without target and event", subject);
    if (!event->IsObject())
      return drop(stats.dropped_not_json_object, "an envelope whose event is not an object",
                  subject);
    auto json = protocol::to_compact_json(*event);
    if (json.size() > options.max_frame_bytes)
      return drop(stats.dropped_too_large, "larger than the frame limit", subject);
    stats.bus_delivered += deliver_local(*t, net::make_frame(std::move(json)), nullptr);
  }

  /// The checks of every inbound event (decisions.md): dropped, counted and logged.
  bool valid_event(const std::string& payload, const std::string& subject) {
    if (payload.size() > options.max_frame_bytes) {
      drop(stats.dropped_too_large, "larger than the frame limit", subject);
      return false;
    }
    if (!protocol::is_valid_utf8(payload)) {
      drop(stats.dropped_not_utf8, "not UTF-8", subject);
      return false;
    }
    protocol::frame_document doc;
    if (!protocol::parse_untrusted(doc, payload).ok || !doc.value().IsObject()) {
      drop(stats.dropped_not_json_object, "not a JSON object", subject);
      return false;
    }
    return true;
  }

  void drop(std::uint64_t& counter, const char* why, const std::string& subject) {
    ++counter;
    if (drop_log.allow())
      spdlog::warn("backplane: dropped a bus message on {}: {} ({} such so far)", subject, why,
                   counter);
  }

  backplane_stats snapshot() const {
    auto s = stats;
    if (inbox) s.dropped_handoff = inbox->dropped.load(std::memory_order_relaxed);
    return s;
  }
};

// The unused argument: CAF 0.17.6 binds a reference to a null tuple when a
// function-based actor is spawned without arguments (UBSan, stack.md §12).
static caf::behavior backplane_actor_behavior(caf::stateful_actor<backplane_state>* self,
                                              bus::message_bus_ptr bus, backplane_options options) {
  self->set_default_handler(log_unexpected("backplane"));
  auto& st = self->state;
  st.options = options;
  if (bus) {
    st.bus = std::move(bus);
    st.inbox = std::make_shared<handoff>(options.max_handoff);
    st.self_ref = caf::actor_cast<caf::weak_actor_ptr>(self);
    if (options.legacy_subject &&
        !st.bus->subscribe(std::string(legacy_subject), st.legacy_handler()))
      spdlog::warn("backplane: could not subscribe {}", legacy_subject);
  }
  return {
      [self](attach_atom, const std::string& conn, net::event_sink_ptr& sink) {
        self->state.attach(conn, std::move(sink));
      },
      [self](attach_atom, const std::string& conn, net::event_sink_ptr& sink,
             const std::string& principal_org) {
        if (!principal_org.empty()) self->state.principal_org_of[conn] = principal_org;
        self->state.attach(conn, std::move(sink));
      },
      [self](detach_atom, const std::string& conn) { self->state.detach(conn); },
      [self](associate_atom, const std::string& conn, const backplane_target& t) {
        self->state.associate(conn, t);
      },
      [self](associate_atom, const std::string& conn, const backplane_target& t,
             const std::string& org) {
        self->state.association_orgs_of[conn].insert(org);
        self->state.associate(conn, t);
      },
      [self](publish_atom, const backplane_target& t, const net::frame& f) -> std::size_t {
        return self->state.publish(t, f, nullptr);
      },
      [self](publish_atom, const backplane_target& t, const net::frame& f,
             const std::string& org) -> std::size_t { return self->state.publish(t, f, &org); },
      [self](count_atom) -> std::size_t { return self->state.sinks.size(); },
      [self](caf::get_atom) -> backplane_stats { return self->state.snapshot(); },
      [self](bus_event_atom, const backplane_target& t, std::string& payload,
             const std::string& origin, bool scoped, const std::string& org) {
        if (!self->state.bus) return;
        self->state.inbox->release();
        self->state.on_event(t, payload, origin, scoped, org);
      },
      [self](bus_legacy_atom, const std::string& payload, const std::string& origin) {
        if (!self->state.bus) return;
        self->state.inbox->release();
        self->state.on_legacy(payload, origin);
      },
  };
}

caf::actor spawn_backplane(caf::actor_system& sys) {
  return spawn_backplane(sys, nullptr, backplane_options{});
}

caf::actor spawn_backplane(caf::actor_system& sys, bus::message_bus_ptr bus,
                           backplane_options options) {
  return sys.spawn(backplane_actor_behavior, std::move(bus), options);
}

}  // namespace so::actors
