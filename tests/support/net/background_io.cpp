// tests/support/net/background_io.cpp — see background_io.hpp.
#include "tests/support/net/background_io.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

namespace so::test {

struct background_io::impl {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io);
  net::http_client_ptr http;
  net::delayed_call_fn timer;
  std::thread thread;
};

background_io::background_io(net::http_client_options options) : impl_(std::make_unique<impl>()) {
  impl_->http = net::make_http_client(impl_->io, std::move(options));
  impl_->timer = net::make_io_timer(impl_->io);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

background_io::~background_io() {
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->http.reset();  // may reference `io`: release before the context goes
}

const net::http_client_ptr& background_io::http() const {
  return impl_->http;
}

const net::delayed_call_fn& background_io::timer() const {
  return impl_->timer;
}

}  // namespace so::test
