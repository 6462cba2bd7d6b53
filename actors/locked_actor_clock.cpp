// actors/locked_actor_clock.cpp — see locked_actor_clock.hpp.
#include "actors/locked_actor_clock.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/group.hpp>

#include <utility>
#include <vector>

namespace so::actors {

void locked_actor_clock::notify_if_earlier(std::unique_lock<std::mutex>& lock) {
  if (schedule_.empty() || schedule_.begin()->first >= sleeping_until_) return;
  sleeping_until_ = time_point::min();  // one notification per sleep is enough
  ++notifications_;
  lock.unlock();
  cv_.notify_one();
}

void locked_actor_clock::set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                                              caf::atom_value type, uint64_t id) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::set_ordinary_timeout(t, self, type, id);
  notify_if_earlier(lock);
}

void locked_actor_clock::set_multi_timeout(time_point t, caf::abstract_actor* self,
                                           caf::atom_value type, uint64_t id) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::set_multi_timeout(t, self, type, id);
  notify_if_earlier(lock);
}

void locked_actor_clock::set_request_timeout(time_point t, caf::abstract_actor* self,
                                             caf::message_id id) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::set_request_timeout(t, self, id);
  notify_if_earlier(lock);
}

// Cancellations come from the actor itself (reply arrived, actor cleaning up), so
// the references they drop are never its last one: safe under the lock.
void locked_actor_clock::cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) {
  std::lock_guard<std::mutex> lock{mtx_};
  super::cancel_ordinary_timeout(self, type);
}

void locked_actor_clock::cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) {
  std::lock_guard<std::mutex> lock{mtx_};
  super::cancel_request_timeout(self, id);
}

void locked_actor_clock::cancel_timeouts(caf::abstract_actor* self) {
  std::lock_guard<std::mutex> lock{mtx_};
  super::cancel_timeouts(self);
}

void locked_actor_clock::schedule_message(time_point t, caf::strong_actor_ptr receiver,
                                          caf::mailbox_element_ptr content) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::schedule_message(t, std::move(receiver), std::move(content));
  notify_if_earlier(lock);
}

void locked_actor_clock::schedule_message(time_point t, caf::group target,
                                          caf::strong_actor_ptr sender, caf::message content) {
  std::unique_lock<std::mutex> lock{mtx_};
  super::schedule_message(t, std::move(target), std::move(sender), std::move(content));
  notify_if_earlier(lock);
}

void locked_actor_clock::cancel_all() {
  schedule_map dropped;
  {
    std::lock_guard<std::mutex> lock{mtx_};
    actor_lookup_.clear();
    dropped.swap(schedule_);
  }
  // `dropped` dies here, outside the lock (it may hold last actor references).
}

void locked_actor_clock::run_dispatch_loop() {
  std::vector<unique_delayed_event_ptr> due;
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    if (schedule_.empty()) {
      sleeping_until_ = time_point::max();
      cv_.wait(lock);
      sleeping_until_ = time_point::min();
      continue;
    }
    const auto next = schedule_.begin()->first;
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
    lock.unlock();
    for (auto& ev : due) ship(*ev);
    due.clear();
    lock.lock();
  }
  actor_lookup_.clear();
  schedule_map dropped;
  dropped.swap(schedule_);
  lock.unlock();
}

void locked_actor_clock::cancel_dispatch_loop() {
  {
    std::lock_guard<std::mutex> lock{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
}

std::size_t locked_actor_clock::notifications() const {
  std::lock_guard<std::mutex> lock{mtx_};
  return notifications_;
}

}  // namespace so::actors
