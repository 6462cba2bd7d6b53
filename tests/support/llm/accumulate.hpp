// tests/support/llm/accumulate.hpp — what a list of stream events adds up to.
#pragma once

#include "adapters/llm/response_accumulator.hpp"

#include <vector>

namespace so::test {

/// The response a response_accumulator builds from `events`, in order.
inline adapters::llm::accumulated_response accumulate(
    const std::vector<adapters::llm::stream_event>& events) {
  adapters::llm::response_accumulator acc;
  for (const auto& e : events) acc.add(e);
  return acc.finish();
}

}  // namespace so::test
