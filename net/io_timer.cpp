// net/io_timer.cpp — see io_timer.hpp.
#include "net/io_timer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace so::net {

delayed_call_fn make_io_timer(boost::asio::io_context& io) {
  return [&io](std::chrono::milliseconds delay, std::function<void()> fn) {
    // The timer keeps itself alive through the handler until it fires.
    auto timer = std::make_shared<boost::asio::steady_timer>(io, delay);
    timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  };
}

}  // namespace so::net
