// tests/support/net/test_listener.cpp — see test_listener.hpp.
#include "tests/support/net/test_listener.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <future>
#include <optional>
#include <thread>

namespace so::test {

struct test_listener::impl {
  boost::asio::io_context io;
  std::optional<net::listener> listener;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
};

test_listener::test_listener(net::listener_options options, net::connection_factory factory,
                             bool keep_port)
    : impl_(std::make_unique<impl>()) {
  if (!keep_port) options.port = 0;
  impl_->listener.emplace(impl_->io, std::move(options), std::move(factory));
  impl_->listener->start();
  impl_->work.emplace(impl_->io.get_executor());
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

test_listener::~test_listener() {
  impl_->listener->stop_accepting();
  close_all_and_wait(1001, "going away");
  // ~listener posts its last stop; the thread runs it before it runs out of work.
  impl_->listener.reset();
  impl_->work.reset();
  impl_->thread.join();
}

net::listener& test_listener::get() {
  return *impl_->listener;
}

std::uint16_t test_listener::port() const {
  return impl_->listener->port();
}

const boost::asio::io_context& test_listener::context() const {
  return impl_->io;
}

bool test_listener::close_all_and_wait(std::uint16_t code, const std::string& reason,
                                       std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  impl_->listener->close_all(code, reason, [done] { done->set_value(); });
  return fut.wait_for(timeout) == std::future_status::ready;
}

}  // namespace so::test
