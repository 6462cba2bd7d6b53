// net/cli/line_source.cpp — see line_source.hpp.
#include "net/cli/line_source.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace so::cli {

struct line_source::state {
  std::mutex mu;
  std::condition_variable cv;
  bool alive = true;
  std::size_t pending = 0;
  std::function<void(std::optional<std::string>)> deliver;
};

line_source::line_source(std::istream& in, std::function<void(std::optional<std::string>)> deliver)
    : state_(std::make_shared<state>()) {
  state_->deliver = std::move(deliver);
  std::thread([s = state_, &in] {
    for (;;) {
      {
        std::unique_lock lock(s->mu);
        s->cv.wait(lock, [&] { return !s->alive || s->pending < kMaxPending; });
        if (!s->alive) return;
      }
      std::string line;
      const bool got = static_cast<bool>(std::getline(in, line));
      if (got && !line.empty() && line.back() == '\r') line.pop_back();
      std::lock_guard lock(s->mu);
      if (!s->alive) return;
      ++s->pending;
      // Under the lock: the owner cannot go away (and take the loop with it) meanwhile.
      s->deliver(got ? std::optional<std::string>(std::move(line)) : std::nullopt);
      if (!got) return;
    }
  }).detach();
}

line_source::~line_source() {
  std::lock_guard lock(state_->mu);
  state_->alive = false;
  state_->deliver = nullptr;
  state_->cv.notify_all();
}

void line_source::consumed() {
  std::lock_guard lock(state_->mu);
  if (state_->pending > 0) --state_->pending;
  state_->cv.notify_all();
}

}  // namespace so::cli
