// net/frame_queue.hpp — the FIFO of outbound frames of one WebSocket connection, and
// the number of bytes it holds.
//
// Why not std::deque: libstdc++'s deque allocates ~600 bytes as soon as it is
// constructed, on every idle connection. This queue holds no storage while empty
// (past a few slots) and gives its storage back after a burst.
// Thread-safety: none; owned by one websocket_session and used on its strand only.
#pragma once

#include "net/event_sink.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace so::net {

class frame_queue {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  /// Sum of the sizes of the frames held.
  std::size_t bytes() const { return bytes_; }

  const frame& front() const { return items_[head_]; }

  void push_back(frame f) {
    bytes_ += f->size();
    items_.push_back(std::move(f));
  }

  void pop_front() {
    bytes_ -= items_[head_]->size();
    items_[head_].reset();
    ++head_;
    if (empty()) return release_storage();
    // Slots before head_ are dead; reclaim them once they are half of the storage.
    if (head_ >= kCompactAfter && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  void pop_back() {
    bytes_ -= items_.back()->size();
    items_.pop_back();
    if (empty()) release_storage();
  }

 private:
  // A ping/pong connection reuses a few slots; a burst's storage is freed.
  static constexpr std::size_t kKeepSlots = 4;
  static constexpr std::size_t kCompactAfter = 64;

  void release_storage() {
    head_ = 0;
    if (items_.capacity() > kKeepSlots) {
      std::vector<frame>().swap(items_);
    } else {
      items_.clear();
    }
  }

  std::vector<frame> items_;
  std::size_t head_ = 0;  // index of the front frame
  std::size_t bytes_ = 0;
};

}  // namespace so::net
