// net/nats_bus.cpp — the message_bus over nats.c (see net/nats_bus.hpp).
//
// Lifetime: every subscription's library closure (`subscription_slot`) is created by a
// subscribe command, handed to the library by the sender thread, and freed by the
// library's on-complete callback, which the delivery thread runs after the last message
// of a closed subscription; the destructor stops the sender, closes the connection and
// waits for every slot's on-complete and for the closed callback, so no handler runs
// after it returns.
#include "net/nats_bus.hpp"

#include "protocol/ids.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace so::net {

namespace bp = adapters::backplane;

std::string redact_nats_urls(std::string_view urls) {
  std::string out;
  std::size_t start = 0;
  while (start <= urls.size()) {
    auto comma = urls.find(',', start);
    if (comma == std::string_view::npos) comma = urls.size();
    std::string_view url = urls.substr(start, comma - start);
    const auto scheme = url.find("://");
    const std::size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
    const auto end = url.find_first_of("/?#", authority);
    const auto host_part = url.substr(
        authority, end == std::string_view::npos ? std::string_view::npos : end - authority);
    const auto at = host_part.rfind('@');
    if (!out.empty() || start > 0) out += ',';
    if (at == std::string_view::npos) {
      out += url;
    } else {
      out += url.substr(0, authority);
      out += "[redacted]@";
      out += url.substr(authority + at + 1);
    }
    start = comma + 1;
  }
  return out;
}

namespace {

using clock_type = std::chrono::steady_clock;
constexpr const char* origin_header = "Smooth-Origin";
/// Requests waiting for a reply; beyond it a request fails at once (bounded memory).
constexpr std::size_t max_pending_requests = 4096;
/// nats.c writes to the socket itself when its write buffer is full: this bounds how long
/// a broker that does not read holds the sender thread per write (callers never wait).
constexpr std::int64_t write_deadline_ms = 2000;

std::vector<std::string> split_urls(const std::string& urls) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= urls.size()) {
    auto comma = urls.find(',', start);
    if (comma == std::string::npos) comma = urls.size();
    auto part = urls.substr(start, comma - start);
    const auto first = part.find_first_not_of(" \t");
    const auto last = part.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(part.substr(first, last - first + 1));
    start = comma + 1;
  }
  return out;
}

/// What the wire protocol can carry as a subject: no whitespace or control bytes (they
/// would split the PUB/SUB line) and no empty token.
bool valid_subject(std::string_view subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  char previous = 0;
  for (char c : subject) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

class nats_bus;

/// The library's closure for one subscription (a subject, or the request inbox). Owned
/// by the command that creates it until the library accepts it, then by the library,
/// which hands it back through on_complete after the subscription's last delivery.
struct subscription_slot {
  nats_bus* bus = nullptr;
  std::string subject;
  bp::bus_handler handler;  ///< empty for the request inbox
  /// Set by the sender thread; read by stats() (the slot is in the map then).
  std::atomic<natsSubscription*> sub{nullptr};
};

/// One call into the library, made on the sender thread.
struct outbound {
  enum class kind { publish, subscribe, unsubscribe } what = kind::publish;
  std::string subject;
  std::string reply;
  std::string payload;
  subscription_slot* slot = nullptr;
  bp::bus_headers headers;  ///< besides the origin (publish_with_headers)
};

class nats_bus final : public bp::message_bus {
 public:
  explicit nats_bus(const nats_bus_options& o)
      : origin_(protocol::new_uuid_v4()), redacted_(redact_nats_urls(o.urls)), options_(o) {}

  ~nats_bus() override { shut_down(); }

  /// Connects and starts the threads; throws std::runtime_error (redacted).
  void start() {
    auto fail = [this](const std::string& what, natsStatus s) {
      // The library's last error says more than the status text ("Error").
      const char* detail = nats_GetLastError(nullptr);
      std::string why = natsStatus_GetText(s);
      if (detail != nullptr && *detail != '\0' && why != detail)
        why += " (" + std::string(detail) + ")";
      throw std::runtime_error("NATS at " + redacted_ + ": " + what + ": " + why);
    };
    natsStatus s = natsOptions_Create(&opts_);
    if (s != NATS_OK) fail("cannot create options", s);
    const auto urls = split_urls(options_.urls);
    if (urls.empty())
      throw std::runtime_error("NATS: no server URL given (SMOOTH_AGENT_BACKPLANE_URL)");
    std::vector<const char*> servers;
    for (const auto& u : urls) servers.push_back(u.c_str());
    s = natsOptions_SetServers(opts_, servers.data(), static_cast<int>(servers.size()));
    if (s != NATS_OK) fail("invalid server URL", s);
    if (options_.creds_file) {
      // The library reads the file only while connecting and then reports a bare
      // "Error": check it here so the boot failure names the file.
      if (!std::ifstream(*options_.creds_file))
        throw std::runtime_error("NATS: cannot read the credentials file " + *options_.creds_file +
                                 " (SMOOTH_AGENT_NATS_CREDS)");
      s = natsOptions_SetUserCredentialsFromFiles(opts_, options_.creds_file->c_str(), nullptr);
      if (s != NATS_OK) fail("cannot use the credentials file " + *options_.creds_file, s);
    }
    if (options_.tls_ca_file) {
      s = natsOptions_SetSecure(opts_, true);
      if (s == NATS_OK)
        s = natsOptions_LoadCATrustedCertificates(opts_, options_.tls_ca_file->c_str());
      if (s != NATS_OK) fail("cannot load the TLS CA file " + *options_.tls_ca_file, s);
    }
    // Thousands of interest subjects must not mean thousands of delivery threads.
    s = natsOptions_UseGlobalMessageDelivery(opts_, true);
    if (s == NATS_OK) s = natsOptions_SetName(opts_, options_.connection_name.c_str());
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts_, true);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts_, -1);  // forever
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts_, options_.reconnect_wait.count());
    if (s == NATS_OK)
      s = natsOptions_SetReconnectBufSize(opts_, static_cast<int>(options_.reconnect_buffer_bytes));
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts_, options_.connect_timeout.count());
    if (s == NATS_OK) s = natsOptions_SetPingInterval(opts_, options_.ping_interval.count());
    if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts_, 2);
    if (s == NATS_OK) s = natsOptions_SetMaxPendingMsgs(opts_, options_.pending_messages);
    if (s == NATS_OK) s = natsOptions_SetWriteDeadline(opts_, write_deadline_ms);
    if (s == NATS_OK) s = natsOptions_SetErrorHandler(opts_, &nats_bus::on_error, this);
    if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts_, &nats_bus::on_disconnected, this);
    if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts_, &nats_bus::on_reconnected, this);
    if (s == NATS_OK) s = natsOptions_SetClosedCB(opts_, &nats_bus::on_closed, this);
    if (s != NATS_OK) fail("cannot set options", s);

    s = natsConnection_Connect(&nc_, opts_);
    if (s != NATS_OK) {
      nc_ = nullptr;
      fail("cannot connect", s);
    }
    connected_ = true;
    link_up_ = true;
    refresh_max_payload();

    // Requests: one wildcard inbox subscription, replies matched by their last token.
    natsInbox* inbox = nullptr;
    s = natsInbox_Create(&inbox);
    if (s != NATS_OK) fail("cannot create the request inbox", s);
    inbox_prefix_ = std::string(inbox) + ".";
    natsInbox_Destroy(inbox);
    inbox_slot_ = new subscription_slot{this, inbox_prefix_ + "*", {}, {}};
    if (!register_slot(inbox_slot_)) {
      delete inbox_slot_;
      inbox_slot_ = nullptr;
      throw std::runtime_error("NATS at " + redacted_ + ": cannot subscribe the request inbox");
    }
    timer_ = std::thread([this] { run_timer(); });
    sender_ = std::thread([this] { run_sender(); });
    spdlog::info("nats: connected to {} (origin {})", connected_url(), origin_);
  }

  const std::string& origin() const override { return origin_; }

  bool publish(const std::string& subject, std::string_view payload) override {
    return enqueue_publish(subject, {}, payload);
  }

  bool publish_with_headers(const std::string& subject, std::string_view payload,
                            const bp::bus_headers& headers) override {
    return enqueue_publish(subject, {}, payload, headers);
  }

  bool subscribe(const std::string& subject, bp::bus_handler handler) override {
    if (!valid_subject(subject)) {
      spdlog::warn("nats: cannot subscribe an invalid subject ({} bytes)", subject.size());
      return false;
    }
    std::lock_guard lk(m_);
    if (closing_ || subs_.count(subject) != 0) return false;
    if (queue_.size() >= max_queued_commands) {
      spdlog::warn("nats: send queue full; subscription to {} refused", subject);
      return false;
    }
    auto* slot = new subscription_slot{this, subject, std::move(handler), {}};
    subs_.emplace(subject, slot);
    queue_.push_back(outbound{outbound::kind::subscribe, subject, {}, {}, slot, {}});
    queue_cv_.notify_one();
    return true;
  }

  void unsubscribe(const std::string& subject) override {
    std::lock_guard lk(m_);
    auto it = subs_.find(subject);
    if (it == subs_.end()) return;
    auto* slot = it->second;
    subs_.erase(it);
    if (auto* sub = slot->sub.load()) dropped_retired_ += dropped_of(sub);
    // Never refused: an interest that is not removed would leak; a subscribe is refused
    // before the queue grows past its bound, so unsubscribes stay bounded by subjects.
    queue_.push_back(outbound{outbound::kind::unsubscribe, subject, {}, {}, slot, {}});
    queue_cv_.notify_one();
  }

  void request(const std::string& subject, std::string_view payload,
               std::chrono::milliseconds timeout, bp::reply_handler done) override {
    // Disconnected: the reply could not come back in time anyway; answer at once.
    if (!link_up_) {
      publish_dropped_++;
      return done(bp::bus_reply{bp::request_outcome::failed, {}});
    }
    std::uint64_t id = 0;
    {
      std::lock_guard lk(m_);
      if (!closing_ && pending_.size() < max_pending_requests) {
        id = ++next_request_;
        const auto deadline = clock_type::now() + timeout;
        pending_.emplace(id, pending_request{deadline, std::move(done)});
        deadlines_.emplace(deadline, id);
      } else if (!closing_) {
        spdlog::warn("nats: {} requests already wait for a reply; request on {} refused",
                     max_pending_requests, subject);
      }
    }
    if (id == 0) {
      publish_dropped_++;
      return done(bp::bus_reply{bp::request_outcome::failed, {}});
    }
    timer_cv_.notify_one();  // possibly a new earliest deadline
    if (!enqueue_publish(subject, inbox_prefix_ + std::to_string(id), payload))
      if (auto d = take_pending(id)) (*d)(bp::bus_reply{bp::request_outcome::failed, {}});
  }

  void on_state(std::function<void(bp::bus_state)> listener) override {
    std::lock_guard lk(m_);
    listener_ = std::make_shared<std::function<void(bp::bus_state)>>(std::move(listener));
  }

  bp::bus_stats stats() const override {
    bp::bus_stats s;
    s.published = published_;
    s.publish_dropped = publish_dropped_;
    s.received = received_;
    s.reconnects = reconnects_;
    s.connected = link_up_;
    std::lock_guard lk(m_);
    s.subscriptions = subs_.size();
    s.receive_dropped = dropped_retired_;
    for (const auto& [_, slot] : subs_)
      if (auto* sub = slot->sub.load()) s.receive_dropped += dropped_of(sub);
    if (inbox_slot_ != nullptr)
      if (auto* sub = inbox_slot_->sub.load()) s.receive_dropped += dropped_of(sub);
    return s;
  }

  std::size_t max_payload() const override { return max_payload_; }

 private:
  struct pending_request {
    clock_type::time_point deadline;
    bp::reply_handler done;
  };

  /// Subscribe/unsubscribe commands queued at most (publishes are bounded by bytes).
  static constexpr std::size_t max_queued_commands = 1u << 20;

  std::int64_t header_overhead() const {
    // "NATS/1.0\r\n" + "Smooth-Origin: <origin>\r\n" + "\r\n"
    return static_cast<std::int64_t>(10 + std::char_traits<char>::length(origin_header) + 2 +
                                     origin_.size() + 2 + 2);
  }

  /// Headers count against the broker's limit: leave room for ours. Library call: not
  /// on a caller's thread (it takes the connection's lock).
  void refresh_max_payload() {
    const auto max = natsConnection_GetMaxPayload(nc_);
    const std::int64_t overhead = header_overhead();
    max_payload_ = max > overhead ? static_cast<std::size_t>(max - overhead) : 0;
  }

  static std::uint64_t dropped_of(natsSubscription* sub) {
    std::int64_t n = 0;
    if (natsSubscription_GetDropped(sub, &n) != NATS_OK || n < 0) return 0;
    return static_cast<std::uint64_t>(n);
  }

  std::string connected_url() const {
    char buf[512] = {0};
    if (nc_ != nullptr && natsConnection_GetConnectedUrl(nc_, buf, sizeof buf) == NATS_OK &&
        buf[0] != '\0')
      return redact_nats_urls(buf);
    return redacted_;
  }

  void count_drop(const std::string& subject, const char* why) {
    const auto n = ++publish_dropped_;
    // One line per power of two: an outage with a full buffer must not flood the log.
    if ((n & (n - 1)) == 0)
      spdlog::warn("nats: publish on {} dropped ({}); {} dropped so far", subject, why, n);
  }

  /// Queues a publish for the sender thread; false (counted) when it cannot be sent.
  bool enqueue_publish(const std::string& subject, std::string reply, std::string_view payload,
                       const bp::bus_headers& headers = {}) {
    if (!valid_subject(subject)) {
      count_drop("(invalid subject)", "not a valid NATS subject");
      return false;
    }
    std::size_t header_bytes = 0;  // "Name: value\r\n" each, against the broker's limit
    for (const auto& [k, v] : headers) header_bytes += k.size() + v.size() + 4;
    if (payload.size() + header_bytes > max_payload_) {
      count_drop(subject, "larger than the broker's max payload");
      return false;
    }
    {
      std::lock_guard lk(m_);
      if (!closing_ && queued_bytes_ + payload.size() <= options_.send_queue_bytes) {
        queued_bytes_ += payload.size();
        queue_.push_back(outbound{outbound::kind::publish, subject, std::move(reply),
                                  std::string(payload), nullptr, headers});
        queue_cv_.notify_one();
        return true;
      }
    }
    count_drop(subject, closing_ ? "bus closed" : "send queue full");
    return false;
  }

  /// The only thread that calls into the library for outbound traffic: a stuck broker
  /// blocks it (up to the write deadline per write), never a caller.
  void run_sender() {
    std::unique_lock lk(m_);
    while (true) {
      queue_cv_.wait(lk, [this] { return sender_stop_ || !queue_.empty(); });
      if (sender_stop_) return;
      auto cmd = std::move(queue_.front());
      queue_.pop_front();
      if (cmd.what == outbound::kind::publish) queued_bytes_ -= cmd.payload.size();
      lk.unlock();
      execute(cmd);
      lk.lock();
    }
  }

  void execute(outbound& cmd) {
    switch (cmd.what) {
      case outbound::kind::publish:
        return send(cmd);
      case outbound::kind::subscribe:
        if (!register_slot(cmd.slot)) {
          // The library never took it: nobody else will free it. Forget the subject
          // unless it was unsubscribed (or replaced) meanwhile.
          std::lock_guard lk(m_);
          auto it = subs_.find(cmd.subject);
          if (it != subs_.end() && it->second == cmd.slot) subs_.erase(it);
          orphans_.push_back(cmd.slot);  // an unsubscribe may still name it
        }
        return;
      case outbound::kind::unsubscribe:
        if (auto* sub = cmd.slot->sub.exchange(nullptr)) {
          // The library posts the close behind the subscription's queued messages; the
          // slot is freed by on_complete once they are discarded.
          natsSubscription_Unsubscribe(sub);
          natsSubscription_Destroy(sub);
        }
        return;
    }
  }

  void send(const outbound& cmd) {
    natsMsg* msg = nullptr;
    natsStatus s =
        natsMsg_Create(&msg, cmd.subject.c_str(), cmd.reply.empty() ? nullptr : cmd.reply.c_str(),
                       cmd.payload.data(), static_cast<int>(cmd.payload.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, origin_header, origin_.c_str());
    for (const auto& [k, v] : cmd.headers)
      if (s == NATS_OK) s = natsMsgHeader_Set(msg, k.c_str(), v.c_str());
    if (s == NATS_OK) s = natsConnection_PublishMsg(nc_, msg);
    natsMsg_Destroy(msg);
    if (s == NATS_OK) {
      published_++;
      return;
    }
    count_drop(cmd.subject, natsStatus_GetText(s));
    if (!cmd.reply.empty()) {
      const auto id = std::strtoull(cmd.reply.c_str() + inbox_prefix_.size(), nullptr, 10);
      if (auto d = take_pending(id)) (*d)(bp::bus_reply{bp::request_outcome::failed, {}});
    }
  }

  /// Subscribes `slot` on the library (sender thread, or start()).
  bool register_slot(subscription_slot* slot) {
    natsSubscription* sub = nullptr;
    natsStatus s =
        natsConnection_Subscribe(&sub, nc_, slot->subject.c_str(), &nats_bus::on_message, slot);
    if (s != NATS_OK) {
      spdlog::warn("nats: cannot subscribe {}: {}", slot->subject, natsStatus_GetText(s));
      return false;
    }
    {
      std::lock_guard lk(slots_m_);
      ++live_slots_;
    }
    s = natsSubscription_SetOnCompleteCB(sub, &nats_bus::on_complete, slot);
    if (s != NATS_OK) {
      // Closed under our feet (only while the connection closes): the library may still
      // hold the slot, so it is left to the process rather than risk a use after free.
      std::lock_guard lk(slots_m_);
      --live_slots_;
      slots_cv_.notify_all();
    }
    natsSubscription_SetPendingLimits(sub, options_.pending_messages, options_.pending_bytes);
    slot->sub = sub;
    return true;
  }

  std::optional<bp::reply_handler> take_pending(std::uint64_t id) {
    std::lock_guard lk(m_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    auto done = std::move(it->second.done);
    deadlines_.erase({it->second.deadline, id});
    pending_.erase(it);
    return done;
  }

  void deliver(subscription_slot& slot, natsMsg* msg) {
    if (!slot.handler) return deliver_reply(msg);
    bp::bus_message out;
    out.subject = natsMsg_GetSubject(msg);
    if (const char* data = natsMsg_GetData(msg))
      out.payload.assign(data, static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    const char* origin = nullptr;
    if (natsMsgHeader_Get(msg, origin_header, &origin) == NATS_OK && origin != nullptr)
      out.origin = origin;
    if (const char* reply = natsMsg_GetReply(msg)) out.reply = reply;
    const char** keys = nullptr;
    int count = 0;
    if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK && keys != nullptr) {
      for (int i = 0; i < count; ++i) {
        const char* value = nullptr;
        if (std::string_view(keys[i]) != origin_header &&
            natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value != nullptr)
          out.headers.emplace(keys[i], value);
      }
      std::free(static_cast<void*>(keys));
    }
    received_++;
    slot.handler(std::move(out));
  }

  void deliver_reply(natsMsg* msg) {
    std::string_view subject = natsMsg_GetSubject(msg);
    if (subject.size() <= inbox_prefix_.size()) return;
    subject.remove_prefix(inbox_prefix_.size());
    std::uint64_t id = 0;
    auto [_, ec] = std::from_chars(subject.data(), subject.data() + subject.size(), id);
    if (ec != std::errc()) return;
    auto done = take_pending(id);
    if (!done) return;  // late: it timed out already
    if (natsMsg_IsNoResponders(msg)) {
      (*done)(bp::bus_reply{bp::request_outcome::no_responders, {}});
      return;
    }
    bp::bus_reply r{bp::request_outcome::replied, {}};
    if (const char* data = natsMsg_GetData(msg))
      r.payload.assign(data, static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    (*done)(std::move(r));
  }

  void run_timer() {
    std::unique_lock lk(m_);
    while (!timer_stop_) {
      if (deadlines_.empty()) {
        timer_cv_.wait(lk);
        continue;
      }
      const auto next = deadlines_.begin()->first;
      if (clock_type::now() < next) {
        timer_cv_.wait_until(lk, next);
        continue;
      }
      std::vector<bp::reply_handler> late;
      const auto now = clock_type::now();
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        auto it = pending_.find(deadlines_.begin()->second);
        if (it != pending_.end()) {
          late.push_back(std::move(it->second.done));
          pending_.erase(it);
        }
        deadlines_.erase(deadlines_.begin());
      }
      lk.unlock();
      for (auto& done : late) done(bp::bus_reply{bp::request_outcome::timed_out, {}});
      lk.lock();
    }
  }

  void tell(bp::bus_state state) {
    std::shared_ptr<std::function<void(bp::bus_state)>> l;
    {
      std::lock_guard lk(m_);
      // Our own shutdown is no news, and the listener's owner may be gone already.
      if (closing_) return;
      l = listener_;
    }
    if (l && *l) (*l)(state);
  }

  void shut_down() {
    {
      std::lock_guard lk(m_);
      closing_ = true;
      sender_stop_ = true;
      timer_stop_ = true;
    }
    queue_cv_.notify_all();
    timer_cv_.notify_all();
    // The sender may be inside a library call: at most one write deadline.
    if (sender_.joinable()) sender_.join();
    if (timer_.joinable()) timer_.join();
    std::deque<outbound> unsent;
    std::vector<natsSubscription*> handles;
    {
      std::lock_guard lk(m_);
      unsent.swap(queue_);
      // Take the library's handles while every slot is still alive: closing the
      // connection makes on_complete free the registered ones.
      auto take = [&handles](subscription_slot* slot) {
        if (auto* sub = slot->sub.exchange(nullptr)) handles.push_back(sub);
      };
      for (auto& [_, slot] : subs_) take(slot);
      for (auto& cmd : unsent)
        if (cmd.what == outbound::kind::unsubscribe) take(cmd.slot);
      if (inbox_slot_ != nullptr) take(inbox_slot_);
      subs_.clear();
      inbox_slot_ = nullptr;
    }
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      std::unique_lock lk(slots_m_);
      // Every registered slot's on_complete and the closed callback run on library
      // threads; after them nothing of ours is called any more.
      slots_cv_.wait(lk, [this] { return live_slots_ == 0 && (closed_seen_ || !connected_); });
    }
    std::vector<bp::reply_handler> unanswered;
    {
      std::lock_guard lk(m_);
      for (auto& [_, p] : pending_) unanswered.push_back(std::move(p.done));
      pending_.clear();
      deadlines_.clear();
    }
    // Subscribes never executed, and those the library refused: it never saw them.
    for (auto& cmd : unsent)
      if (cmd.what == outbound::kind::subscribe) delete cmd.slot;
    for (auto* slot : orphans_) delete slot;
    orphans_.clear();
    for (auto& done : unanswered) done(bp::bus_reply{bp::request_outcome::failed, {}});
    for (auto* sub : handles) natsSubscription_Destroy(sub);
    if (nc_ != nullptr) natsConnection_Destroy(nc_);
    nc_ = nullptr;
    if (opts_ != nullptr) natsOptions_Destroy(opts_);
    opts_ = nullptr;
  }

  // ---- library callbacks (library threads) ----
  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* slot = static_cast<subscription_slot*>(closure);
    slot->bus->deliver(*slot, msg);
    natsMsg_Destroy(msg);
  }
  static void on_complete(void* closure) {
    auto* slot = static_cast<subscription_slot*>(closure);
    auto* self = slot->bus;
    delete slot;
    std::lock_guard lk(self->slots_m_);
    --self->live_slots_;
    self->slots_cv_.notify_all();
  }
  static void on_error(natsConnection*, natsSubscription* sub, natsStatus err, void* closure) {
    auto* self = static_cast<nats_bus*>(closure);
    if (err == NATS_SLOW_CONSUMER) {
      const char* subject = sub != nullptr ? natsSubscription_GetSubject(sub) : nullptr;
      spdlog::warn("nats: slow consumer on {}: messages beyond the pending limit are dropped",
                   subject != nullptr ? subject : "?");
      return;
    }
    spdlog::warn("nats: asynchronous error on {}: {}", self->redacted_, natsStatus_GetText(err));
  }
  static void on_disconnected(natsConnection*, void* closure) {
    auto* self = static_cast<nats_bus*>(closure);
    self->link_up_ = false;
    if (!self->closing_)
      spdlog::warn(
          "nats: disconnected from {}; reconnecting (publishes are buffered up to {} "
          "bytes, then dropped)",
          self->redacted_, self->options_.reconnect_buffer_bytes);
    self->tell(bp::bus_state::disconnected);
  }
  static void on_reconnected(natsConnection* nc, void* closure) {
    auto* self = static_cast<nats_bus*>(closure);
    // The library re-sent every subscription; one round trip makes sure the broker
    // has them before anyone is told (a publish right after "reconnected" is seen).
    natsConnection_FlushTimeout(nc, 2000);
    self->refresh_max_payload();  // the new server may have another limit
    self->link_up_ = true;
    self->reconnects_++;
    spdlog::info("nats: reconnected to {} (reconnect #{})", self->connected_url(),
                 self->reconnects_.load());
    self->tell(bp::bus_state::reconnected);
  }
  static void on_closed(natsConnection*, void* closure) {
    auto* self = static_cast<nats_bus*>(closure);
    self->link_up_ = false;
    if (!self->closing_) spdlog::error("nats: connection to {} closed", self->redacted_);
    self->tell(bp::bus_state::closed);
    std::lock_guard lk(self->slots_m_);
    self->closed_seen_ = true;
    self->slots_cv_.notify_all();
  }

  const std::string origin_;
  const std::string redacted_;
  const nats_bus_options options_;
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  bool connected_ = false;  ///< the boot connection succeeded (set before any thread)
  std::string inbox_prefix_;
  std::atomic<bool> link_up_{false};  ///< connected now (callbacks keep it current)
  std::atomic<std::size_t> max_payload_{0};

  std::atomic<std::uint64_t> published_{0}, publish_dropped_{0}, received_{0}, reconnects_{0};

  mutable std::mutex m_;  // guards the members below, up to the slots block
  std::atomic<bool> closing_{false};
  std::unordered_map<std::string, subscription_slot*> subs_;
  subscription_slot* inbox_slot_ = nullptr;
  std::vector<subscription_slot*> orphans_;  ///< slots the library refused (freed at the end)
  std::uint64_t dropped_retired_ = 0;
  std::deque<outbound> queue_;
  std::size_t queued_bytes_ = 0;
  std::condition_variable queue_cv_;
  bool sender_stop_ = false;
  std::thread sender_;
  std::uint64_t next_request_ = 0;
  std::unordered_map<std::uint64_t, pending_request> pending_;
  std::set<std::pair<clock_type::time_point, std::uint64_t>> deadlines_;
  std::shared_ptr<std::function<void(bp::bus_state)>> listener_;
  std::condition_variable timer_cv_;
  bool timer_stop_ = false;
  std::thread timer_;

  std::mutex slots_m_;  // guards live_slots_ and closed_seen_
  std::condition_variable slots_cv_;
  int live_slots_ = 0;
  bool closed_seen_ = false;
};

}  // namespace

bp::message_bus_ptr connect_nats_bus(const nats_bus_options& options) {
  auto bus = std::make_shared<nats_bus>(options);
  bus->start();  // throws; the destructor then releases whatever was set up
  return bus;
}

}  // namespace so::net
