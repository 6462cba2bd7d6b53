// net/session_registry.cpp — see session_registry.hpp.
#include "net/session_registry.hpp"

#include <boost/asio/post.hpp>

namespace so::net {

session_registry::session_registry(boost::asio::io_context& io, listener_options options,
                                   connection_factory factory)
    : io_(io),
      strand_(boost::asio::make_strand(io)),
      options_(std::move(options)),
      factory_(std::move(factory)) {}

bool session_registry::reserve_connection() {
  std::size_t taken = connections_reserved_.load();
  do {
    if (taken >= options_.max_connections) return false;
  } while (!connections_reserved_.compare_exchange_weak(taken, taken + 1));
  return true;
}

void session_registry::add(std::uint64_t id, std::weak_ptr<tracked_session> session) {
  boost::asio::post(strand_, [self = shared_from_this(), id, session = std::move(session)] {
    self->sessions_.emplace(id, session);
    // A connection that was mid-accept or mid-upgrade when close_all ran ends too.
    if (self->closing_) {
      if (auto s = session.lock()) s->shut_down(self->closing_->code, self->closing_->reason);
    }
  });
}

void session_registry::remove(std::uint64_t id) {
  boost::asio::post(strand_, [self = shared_from_this(), id] {
    self->sessions_.erase(id);
    self->run_done_if_empty();
  });
}

void session_registry::close_all(std::uint16_t code, std::string reason,
                                 std::function<void()> done) {
  boost::asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason),
                              done = std::move(done)]() mutable {
    self->closing_ = closing{code, reason};
    if (done) self->done_.push_back(std::move(done));
    for (auto& [id, weak] : self->sessions_) {
      // An expired entry is a session whose `remove` is already queued behind us.
      if (auto s = weak.lock()) s->shut_down(code, reason);
    }
    self->run_done_if_empty();
  });
}

void session_registry::run_done_if_empty() {
  if (!sessions_.empty() || done_.empty()) return;
  auto done = std::move(done_);
  done_.clear();
  for (auto& fn : done) fn();
}

}  // namespace so::net
