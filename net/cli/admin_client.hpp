// net/cli/admin_client.hpp — one admin API call (POST with a bearer token) for the CLI
// (its second and last Beast translation unit: Beast's HTTP, no WebSocket).
//
// Blocking, on its own io_context, bounded by `timeout` as a whole. Plain HTTP only.
// Thread-safety: a free function; concurrent calls are independent.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace so::cli {

struct admin_reply {
  int status = 0;
  std::string body;
};

/// Throws std::runtime_error when no HTTP answer arrives (connect, I/O, timeout).
admin_reply admin_post(const std::string& host, std::uint16_t port, const std::string& target,
                       const std::string& token, const std::string& json_body,
                       std::chrono::milliseconds timeout);

}  // namespace so::cli
