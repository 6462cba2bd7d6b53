#include "adapters/backplane/memory_bus.hpp"

#include "protocol/ids.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace so::adapters::backplane {

namespace {
using clock_type = std::chrono::steady_clock;
constexpr std::string_view inbox_prefix = "_INBOX.memory.";

struct bus_counters {
  std::atomic<std::uint64_t> published{0}, publish_dropped{0}, received{0}, reconnects{0},
      subscriptions{0};
};
}  // namespace

// ---- the broker's shared state --------------------------------------------------------

struct memory_broker::impl {
  struct subscriber {
    const void* bus;
    std::shared_ptr<bus_handler> handler;
    std::shared_ptr<bus_counters> counters;
  };
  struct pending_request {
    clock_type::time_point deadline;
    reply_handler done;
  };
  struct item {
    bus_message msg;
    std::function<void()> call;  ///< set: a callback to run instead of a delivery
  };

  std::size_t max_queued;
  std::size_t max_payload;
  mutable std::mutex m;
  std::condition_variable cv, drained;
  std::deque<item> queue;
  bool delivering = false;
  bool stop = false;
  bool down = false;
  std::unordered_map<std::string, std::vector<subscriber>> subs;
  std::map<std::string, pending_request> pending;  // inbox → request
  std::uint64_t next_inbox = 0;
  std::vector<std::pair<const void*, std::shared_ptr<std::function<void(bus_state)>>>> listeners;
  std::vector<std::weak_ptr<bus_counters>> clients;  // for the reconnect counters
  std::thread worker;

  impl(std::size_t q, std::size_t p) : max_queued(q), max_payload(p) {}

  /// Caller holds `m`.
  bool enqueue_locked(item it) {
    if (queue.size() >= max_queued) return false;
    queue.push_back(std::move(it));
    cv.notify_one();
    return true;
  }

  void run() {
    std::unique_lock lk(m);
    for (;;) {
      expire_locked(lk);
      if (stop) return;
      if (queue.empty()) {
        drained.notify_all();
        if (pending.empty())
          cv.wait(lk);
        else
          cv.wait_until(lk, earliest_deadline_locked());
        continue;
      }
      item it = std::move(queue.front());
      queue.pop_front();
      delivering = true;
      if (it.call) {
        lk.unlock();
        it.call();
        lk.lock();
      } else {
        deliver_locked(lk, std::move(it.msg));
      }
      delivering = false;
    }
  }

  clock_type::time_point earliest_deadline_locked() const {
    auto t = clock_type::time_point::max();
    for (const auto& [_, p] : pending) t = std::min(t, p.deadline);
    return t;
  }

  void expire_locked(std::unique_lock<std::mutex>& lk) {
    const auto now = clock_type::now();
    std::vector<reply_handler> late;
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second.deadline <= now || stop) {
        late.push_back(std::move(it->second.done));
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    if (late.empty()) return;
    lk.unlock();
    for (auto& done : late) done(bus_reply{request_outcome::timed_out, {}});
    lk.lock();
  }

  void deliver_locked(std::unique_lock<std::mutex>& lk, bus_message msg) {
    if (msg.subject.rfind(inbox_prefix, 0) == 0) {
      auto p = pending.find(msg.subject);
      if (p == pending.end()) return;  // late reply: the request already timed out
      auto done = std::move(p->second.done);
      pending.erase(p);
      lk.unlock();
      done(bus_reply{request_outcome::replied, std::move(msg.payload)});
      lk.lock();
      return;
    }
    auto s = subs.find(msg.subject);
    if (s == subs.end()) return;
    auto targets = s->second;  // handlers run without the lock
    lk.unlock();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      targets[i].counters->received++;
      (*targets[i].handler)(i + 1 == targets.size() ? std::move(msg) : bus_message(msg));
    }
    lk.lock();
  }

  void notify_state(bus_state s) {
    std::vector<std::shared_ptr<std::function<void(bus_state)>>> ls;
    {
      std::lock_guard lk(m);
      for (auto& [_, l] : listeners) ls.push_back(l);
    }
    for (auto& l : ls) (*l)(s);
  }
};

// ---- one client of the broker ---------------------------------------------------------

namespace {

class memory_bus final : public message_bus {
 public:
  explicit memory_bus(std::weak_ptr<memory_broker::impl> broker)
      : broker_(std::move(broker)),
        origin_(protocol::new_uuid_v4()),
        counters_(std::make_shared<bus_counters>()) {
    if (auto b = broker_.lock()) {
      std::lock_guard lk(b->m);
      std::erase_if(b->clients, [](const auto& c) { return c.expired(); });
      b->clients.push_back(counters_);
    }
  }

  ~memory_bus() override {
    auto b = broker_.lock();
    if (!b) return;
    std::lock_guard lk(b->m);
    for (auto it = b->subs.begin(); it != b->subs.end();) {
      auto& v = it->second;
      std::erase_if(v, [this](const auto& s) { return s.bus == this; });
      it = v.empty() ? b->subs.erase(it) : std::next(it);
    }
    std::erase_if(b->listeners, [this](const auto& l) { return l.first == this; });
  }

  const std::string& origin() const override { return origin_; }

  bool publish(const std::string& subject, std::string_view payload) override {
    return publish_with_headers(subject, payload, {});
  }

  bool publish_with_headers(const std::string& subject, std::string_view payload,
                            const bus_headers& headers) override {
    auto b = broker_.lock();
    if (b && payload.size() <= b->max_payload) {
      std::lock_guard lk(b->m);
      if (!b->down && !b->stop &&
          b->enqueue_locked(
              {bus_message{subject, std::string(payload), origin_, {}, headers}, {}})) {
        counters_->published++;
        return true;
      }
    }
    counters_->publish_dropped++;
    return false;
  }

  bool subscribe(const std::string& subject, bus_handler handler) override {
    auto b = broker_.lock();
    if (!b) return false;
    std::lock_guard lk(b->m);
    if (b->stop) return false;
    auto& v = b->subs[subject];
    for (const auto& s : v)
      if (s.bus == this) return false;
    v.push_back({this, std::make_shared<bus_handler>(std::move(handler)), counters_});
    counters_->subscriptions++;
    return true;
  }

  void unsubscribe(const std::string& subject) override {
    auto b = broker_.lock();
    if (!b) return;
    std::lock_guard lk(b->m);
    auto it = b->subs.find(subject);
    if (it == b->subs.end()) return;
    auto n = std::erase_if(it->second, [this](const auto& s) { return s.bus == this; });
    if (n > 0) counters_->subscriptions--;
    if (it->second.empty()) b->subs.erase(it);
  }

  void request(const std::string& subject, std::string_view payload,
               std::chrono::milliseconds timeout, reply_handler done) override {
    auto b = broker_.lock();
    if (!b || payload.size() > b->max_payload) {
      counters_->publish_dropped++;
      return done(bus_reply{request_outcome::failed, {}});
    }
    std::unique_lock lk(b->m);
    if (b->down || b->stop) {
      lk.unlock();
      counters_->publish_dropped++;
      return done(bus_reply{request_outcome::failed, {}});
    }
    auto s = b->subs.find(subject);
    if (s == b->subs.end()) {  // NATS answers "no responders" at once
      auto shared = std::make_shared<reply_handler>(std::move(done));
      if (!b->enqueue_locked({{}, [shared] {
                                (*shared)(bus_reply{request_outcome::no_responders, {}});
                              }})) {
        lk.unlock();
        counters_->publish_dropped++;
        (*shared)(bus_reply{request_outcome::failed, {}});
      }
      return;
    }
    auto inbox = std::string(inbox_prefix) + std::to_string(b->next_inbox++);
    if (!b->enqueue_locked({bus_message{subject, std::string(payload), origin_, inbox, {}}, {}})) {
      lk.unlock();
      counters_->publish_dropped++;
      return done(bus_reply{request_outcome::failed, {}});
    }
    counters_->published++;
    b->pending.emplace(
        inbox, memory_broker::impl::pending_request{clock_type::now() + timeout, std::move(done)});
    b->cv.notify_one();  // a new, possibly earliest, deadline
  }

  void on_state(std::function<void(bus_state)> listener) override {
    auto b = broker_.lock();
    if (!b) return;
    std::lock_guard lk(b->m);
    b->listeners.emplace_back(
        this, std::make_shared<std::function<void(bus_state)>>(std::move(listener)));
  }

  bus_stats stats() const override {
    bus_stats s;
    s.published = counters_->published;
    s.publish_dropped = counters_->publish_dropped;
    s.received = counters_->received;
    s.reconnects = counters_->reconnects;
    s.subscriptions = counters_->subscriptions;
    if (auto b = broker_.lock()) {
      std::lock_guard lk(b->m);
      s.connected = !b->down && !b->stop;
    } else {
      s.connected = false;
    }
    return s;
  }

  std::size_t max_payload() const override {
    auto b = broker_.lock();
    return b ? b->max_payload : 0;
  }

 private:
  std::weak_ptr<memory_broker::impl> broker_;
  std::string origin_;
  std::shared_ptr<bus_counters> counters_;
};

}  // namespace

// ---- memory_broker --------------------------------------------------------------------

memory_broker::memory_broker(std::size_t max_queued, std::size_t max_payload)
    : impl_(std::make_shared<impl>(max_queued, max_payload)) {
  impl_->worker = std::thread([i = impl_.get()] { i->run(); });
}

memory_broker::~memory_broker() {
  {
    std::lock_guard lk(impl_->m);
    impl_->stop = true;
    impl_->cv.notify_all();
  }
  impl_->worker.join();
}

message_bus_ptr memory_broker::connect() {
  return std::make_shared<memory_bus>(impl_);
}

void memory_broker::set_down(bool down) {
  {
    std::lock_guard lk(impl_->m);
    if (impl_->down == down) return;
    impl_->down = down;
    if (down) impl_->queue.clear();  // in flight at the outage: lost (at-most-once)
    if (!down)
      for (auto& c : impl_->clients)
        if (auto counters = c.lock()) counters->reconnects++;
  }
  impl_->notify_state(down ? bus_state::disconnected : bus_state::reconnected);
}

std::size_t memory_broker::queued() const {
  std::lock_guard lk(impl_->m);
  return impl_->queue.size() + (impl_->delivering ? 1 : 0);
}

void memory_broker::flush() {
  std::unique_lock lk(impl_->m);
  impl_->drained.wait(
      lk, [this] { return impl_->stop || (impl_->queue.empty() && !impl_->delivering); });
}

}  // namespace so::adapters::backplane
