// tests/support/harness/ws_channel.cpp — see ws_channel.hpp.
#include "tests/support/harness/ws_channel.hpp"

namespace so::test {

std::optional<std::string> ws_channel::next_frame(std::chrono::milliseconds timeout) {
  return client_.read(timeout);
}

std::string ws_channel::end_reason() const {
  if (const auto closed = client_.closed()) {
    return "the server closed the connection with code " + std::to_string(closed->code) +
           (closed->reason.empty() ? std::string() : " (" + closed->reason + ")");
  }
  return "read timed out";
}

void ws_channel::send_text(const std::string& frame) {
  client_.send_text(frame);
}

}  // namespace so::test
