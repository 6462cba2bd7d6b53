// actors/locked_actor_clock.cpp — see locked_actor_clock.hpp.
#include "actors/locked_actor_clock.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/group.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>

#include <utility>
#include <vector>

namespace so::actors {

void locked_actor_clock::notify_if_earlier(time_point t, std::unique_lock<std::mutex>& lock) {
  if (t >= sleeping_until_) return;
  sleeping_until_ = time_point::min();  // one notification per sleep is enough
  ++notifications_;
  lock.unlock();
  cv_.notify_one();
}

void locked_actor_clock::set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                                              caf::atom_value type, uint64_t id) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::set_ordinary_timeout(t, self, type, id);
  notify_if_earlier(t, lock);
}

void locked_actor_clock::set_multi_timeout(time_point t, caf::abstract_actor* self,
                                           caf::atom_value type, uint64_t id) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::set_multi_timeout(t, self, type, id);
  notify_if_earlier(t, lock);
}

void locked_actor_clock::set_request_timeout(time_point t, caf::abstract_actor* self,
                                             caf::message_id id) {
  // Bucket by the requested duration, so each FIFO gets (almost) increasing deadlines.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - now()).count();
  const std::int64_t bucket = (ms + 50) / 100;
  request_entry entry{t, caf::weak_actor_ptr{self->ctrl()}, id};
  std::unique_lock<std::mutex> lock{mtx_};
  auto& fifo = requests_[bucket];
  // Threads race by nanoseconds: walk back past the few later entries.
  auto pos = fifo.end();
  while (pos != fifo.begin() && std::prev(pos)->due > t) --pos;
  fifo.insert(pos, std::move(entry));
  ++request_count_;
  notify_if_earlier(t, lock);
}

// Cancellations come from the actor itself (reply arrived, actor cleaning up), so
// the references they drop are never its last one: safe under the lock.
void locked_actor_clock::cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) {
  std::lock_guard<std::mutex> lock{mtx_};
  super::cancel_ordinary_timeout(self, type);
}

// CAF 0.17.6 never calls this; kept correct (a scan) for a CAF that would.
void locked_actor_clock::cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) {
  std::vector<request_entry> dropped;  // released outside the lock
  std::lock_guard<std::mutex> lock{mtx_};
  for (auto& [bucket, fifo] : requests_)
    for (auto i = fifo.begin(); i != fifo.end(); ++i)
      if (i->id == id && i->self.get() == self->ctrl()) {
        dropped.push_back(std::move(*i));
        fifo.erase(i);
        --request_count_;
        return;
      }
}

// Called when an actor terminates. Its request timeouts stay queued: they hold
// only a weak reference and are skipped when they fall due (a finished actor
// could not receive them anyway), which keeps this O(log n).
void locked_actor_clock::cancel_timeouts(caf::abstract_actor* self) {
  std::lock_guard<std::mutex> lock{mtx_};
  super::cancel_timeouts(self);
}

void locked_actor_clock::schedule_message(time_point t, caf::strong_actor_ptr receiver,
                                          caf::mailbox_element_ptr content) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::schedule_message(t, std::move(receiver), std::move(content));
  notify_if_earlier(t, lock);
}

void locked_actor_clock::schedule_message(time_point t, caf::group target,
                                          caf::strong_actor_ptr sender, caf::message content) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::schedule_message(t, std::move(target), std::move(sender), std::move(content));
  notify_if_earlier(t, lock);
}

void locked_actor_clock::cancel_all() {
  schedule_map dropped;
  request_fifos dropped_requests;
  {
    std::lock_guard<std::mutex> lock{mtx_};
    actor_lookup_.clear();
    dropped.swap(schedule_);
    dropped_requests.swap(requests_);
    request_count_ = 0;
  }
  // `dropped` dies here, outside the lock (it may hold last actor references).
}

locked_actor_clock::time_point locked_actor_clock::next_due() const {
  auto next = schedule_.empty() ? time_point::max() : schedule_.begin()->first;
  for (const auto& [bucket, fifo] : requests_)
    if (!fifo.empty() && fifo.front().due < next) next = fifo.front().due;
  return next;
}

void locked_actor_clock::run_dispatch_loop() {
  std::vector<unique_delayed_event_ptr> due;
  std::vector<request_entry> due_requests;
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    const auto next = next_due();
    if (next == time_point::max()) {
      sleeping_until_ = time_point::max();
      cv_.wait(lock);
      sleeping_until_ = time_point::min();
      continue;
    }
    if (now() < next) {
      sleeping_until_ = next;
      cv_.wait_until(lock, next);
      sleeping_until_ = time_point::min();
      continue;
    }
    const auto t = now();
    for (auto i = schedule_.begin(); i != schedule_.end() && i->first <= t;) {
      auto ptr = std::move(i->second);
      if (ptr->backlink != actor_lookup_.end()) actor_lookup_.erase(ptr->backlink);
      i = schedule_.erase(i);
      due.push_back(std::move(ptr));
    }
    for (auto b = requests_.begin(); b != requests_.end();) {
      auto& fifo = b->second;
      while (!fifo.empty() && fifo.front().due <= t) {
        due_requests.push_back(std::move(fifo.front()));
        fifo.pop_front();
        --request_count_;
      }
      b = fifo.empty() ? requests_.erase(b) : std::next(b);
    }
    lock.unlock();
    for (auto& ev : due) ship(*ev);
    due.clear();
    for (auto& r : due_requests)
      if (auto self = r.self.lock())  // a finished actor is skipped
        self->get()->eq_impl(r.id, self, nullptr, caf::sec::request_timeout);
    due_requests.clear();
    lock.lock();
  }
  actor_lookup_.clear();
  schedule_map dropped;
  dropped.swap(schedule_);
  request_fifos dropped_requests;
  dropped_requests.swap(requests_);
  request_count_ = 0;
  lock.unlock();
}

void locked_actor_clock::cancel_dispatch_loop() {
  {
    std::lock_guard<std::mutex> lock{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
}

std::size_t locked_actor_clock::pending_request_timeouts() const {
  std::lock_guard<std::mutex> lock{mtx_};
  return request_count_;
}

std::size_t locked_actor_clock::notifications() const {
  std::lock_guard<std::mutex> lock{mtx_};
  return notifications_;
}

}  // namespace so::actors
