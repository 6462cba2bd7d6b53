// tests/support/net/send_until_pushed_back.hpp — floods a WebSocket connection until TCP
// pushes back, for tests of the server's inbound bound (a server that stops reading).
//
// Thread-safety: drives one ws_client from the calling thread only (as ws_client).
#pragma once

#include "tests/support/net/ws_client.hpp"

#include <chrono>
#include <optional>

namespace so::test {

/// Sends `frame(0)`, `frame(1)`, ... until one write does not complete within `stall`
/// (the server has stopped reading and the socket buffers are full), at most
/// `max_frames`. Returns how many frames are on their way, counting the blocked one
/// (it completes during later calls), or nullopt when every write completed.
template <class MakeFrame>
std::optional<int> send_until_pushed_back(
    ws_client& client, MakeFrame frame, int max_frames,
    std::chrono::milliseconds stall = std::chrono::milliseconds(300)) {
  for (int sent = 0; sent < max_frames; ++sent)
    if (!client.send_text_within(frame(sent), stall)) return sent + 1;
  return std::nullopt;
}

}  // namespace so::test
