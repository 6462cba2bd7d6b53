// tests/actors/actor_world_support.hpp — small helpers shared by the actor tests
// that drive connections and sessions through an `actor_world`.
// Thread-safety: test-thread only.
#pragma once

#include "actors/messages.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/support/llm/scripted_texts.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace so::test {

/// Hands one inbound text frame to a connection actor, as the socket layer does.
inline void send_frame(const caf::actor& connection, std::string text) {
  caf::anon_send(connection, actors::frame_atom::value, std::move(text));
}

inline std::string send_message_frame(const std::string& rid, const std::string& session_id,
                                      const std::string& message) {
  return R"({"action":"send_message","requestId":")" + rid + R"(","sessionId":")" + session_id +
         R"(","message":")" + message + R"("})";
}

/// The string at a JSON Pointer of `json` ("" when absent or not a string).
inline std::string json_str(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError()) return "";
  const auto* v = rapidjson::Pointer(pointer).Get(d);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

/// Whether `type` ends a turn's answer (eventual_response, cancelled or error).
inline bool is_terminal_event(const std::string& type) {
  return type == "eventual_response" || type == "cancelled" || type == "error";
}

/// Waits until `sink` recorded `k` terminal events (is_terminal_event); returns every
/// frame so far (fails the test on timeout).
inline std::vector<std::string> wait_terminals(
    recording_sink& sink, std::size_t k,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t terminals = 0;
  for (std::size_t n = 1;; ++n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const bool got = left.count() > 0 && sink.wait_for(n, left);
    auto frames = sink.frames();
    if (!got) {
      std::string seen;
      for (const auto& f : frames) seen += f + "\n";
      INFO("no terminal event; frames so far:\n" << seen);
      REQUIRE(got);
    }
    if (is_terminal_event(event_type(frames[n - 1])) && ++terminals == k) return frames;
  }
}

/// Waits until `sink` recorded a terminal event; returns every frame so far.
inline std::vector<std::string> wait_terminal(
    recording_sink& sink, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return wait_terminals(sink, 1, timeout);
}

}  // namespace so::test
