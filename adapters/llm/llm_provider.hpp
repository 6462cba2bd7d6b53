// adapters/llm/llm_provider.hpp — the LLM seam: one streaming chat-completions call.
//
// Implementations: `gateway_provider` (real OpenAI-compatible gateway over
// HTTP/HTTPS) and `scripted_provider` (deterministic, for tests only).
// Thread-safety: `stream` may be called from any thread and never blocks. The
// sink is invoked from provider threads, one event at a time, in stream order,
// and ends with exactly one terminal event (stream_complete or stream_failed),
// unless the call was cancelled first (then nothing more is delivered).
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <functional>
#include <memory>

namespace so::adapters::llm {

using stream_sink = std::function<void(stream_event)>;

/// A call in flight.
class stream_handle {
 public:
  virtual ~stream_handle() = default;
  /// Abandons the call; no further events are delivered after it returns... eventually.
  /// Callers must still ignore stragglers (they are tagged by the caller anyway).
  virtual void cancel() = 0;
};

class provider {
 public:
  virtual ~provider() = default;
  virtual std::shared_ptr<stream_handle> stream(const chat_request& request, stream_sink sink) = 0;
};

using provider_ptr = std::shared_ptr<provider>;

}  // namespace so::adapters::llm
