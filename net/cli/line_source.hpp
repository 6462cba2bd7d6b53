// net/cli/line_source.hpp — stdin lines for an event loop, read on a thread of their own
// (a blocking read of a terminal, pipe or file must not stop the loop).
//
// Each line, and then one nullopt at end of input, goes to `deliver`, which must be
// safe to call from another thread (ws_connection::post). At most kMaxPending
// delivered lines may be unconsumed: past that the thread stops reading (the pipe
// pushes back on the writer) until `consumed()` is called. Destruction stops all
// further deliveries at once; a thread still blocked in a read is detached and ends
// with the process (it touches nothing of the owner after that).
// Thread-safety: construct, consume and destroy on the loop thread. `in` must outlive
// the process's use of it (std::cin).
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>

namespace so::cli {

class line_source {
 public:
  static constexpr std::size_t kMaxPending = 16;

  line_source(std::istream& in, std::function<void(std::optional<std::string>)> deliver);
  ~line_source();
  line_source(const line_source&) = delete;
  line_source& operator=(const line_source&) = delete;

  /// One delivered line was taken off the caller's own list.
  void consumed();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace so::cli
