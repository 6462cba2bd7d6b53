// net/io_timer.hpp — "run this later" backed by an io_context's steady timers.
//
// Gives Beast-free code (e.g. the LLM gateway provider's retry backoff) a
// non-blocking delay without exposing Asio. The callback runs on a thread
// running `io`; it never runs if `io` is stopped or destroyed first.
// Thread-safety: the returned function may be called from any thread.
#pragma once

#include <chrono>
#include <functional>

namespace boost::asio {
class io_context;
}

namespace so::net {

using delayed_call_fn =
    std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)>;

/// `io` must outlive the returned function and every pending delay.
delayed_call_fn make_io_timer(boost::asio::io_context& io);

}  // namespace so::net
