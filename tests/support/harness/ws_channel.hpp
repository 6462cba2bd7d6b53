// tests/support/harness/ws_channel.hpp — a `frame_channel` over a test WebSocket client.
//
// Lets the scenario runner drive a real server connection. Borrows the client,
// which must outlive the channel.
// Thread-safety: like ws_client — one thread at a time.
#pragma once

#include "tests/support/harness/scenario_runner.hpp"
#include "tests/support/net/ws_client.hpp"

namespace so::test {

class ws_channel final : public frame_channel {
 public:
  explicit ws_channel(ws_client& client) : client_(client) {}

  std::optional<std::string> next_frame(std::chrono::milliseconds timeout) override;
  std::string end_reason() const override;
  void send_text(const std::string& frame) override;

 private:
  ws_client& client_;
};

}  // namespace so::test
