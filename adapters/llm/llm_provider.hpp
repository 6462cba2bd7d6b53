// adapters/llm/llm_provider.hpp — the LLM seam: one streaming chat-completions call.
//
// Implementations: `gateway_provider` (real OpenAI-compatible gateway over
// HTTP/HTTPS) and `scripted_provider` (deterministic, for tests only).
// Thread-safety: `stream` may be called from any thread and never blocks. The
// sink is invoked from provider threads, one event (or one batch) at a time, in
// stream order, and ends with exactly one terminal event (stream_complete or
// stream_failed), unless the call was cancelled first (then nothing more is delivered).
#pragma once

#include "adapters/llm/llm_types.hpp"

#include <functional>
#include <memory>

namespace so::adapters::llm {

using stream_sink = std::function<void(stream_event)>;
using stream_batch_sink = std::function<void(stream_batch)>;

/// A call in flight.
class stream_handle {
 public:
  virtual ~stream_handle() = default;
  /// Abandons the call; no further events are delivered after it returns... eventually.
  /// Callers must still ignore stragglers (they are tagged by the caller anyway).
  virtual void cancel() = 0;
};

/// Per-call settings that are not part of the request body.
struct call_options {
  /// The gateway key of this call, resolved per conversation org (admin-auth.md §5.1,
  /// adapters/tenant/gateway_key_resolver.hpp); empty = the provider's configured key.
  std::string api_key;
};

/// Every call reads `request` only while it runs: a provider that needs it later (a test
/// double recording it) copies it. The turn relies on this: it lends its conversation's
/// messages to the request for the duration of the call instead of copying them.
class provider {
 public:
  virtual ~provider() = default;
  virtual std::shared_ptr<stream_handle> stream(const chat_request& request, stream_sink sink) = 0;
  /// `stream` with per-call options. Providers that need no key (scripted, test
  /// doubles) keep this default, which ignores them.
  virtual std::shared_ptr<stream_handle> stream_with(const chat_request& request,
                                                     const call_options& options,
                                                     stream_sink sink) {
    (void)options;
    return stream(request, std::move(sink));
  }
  /// `stream_with`, handing over what arrived together in one call. Why: a consumer
  /// that forwards each delivery as an actor message then sends one message per read
  /// from the gateway, not one per token. This default delivers batches of one.
  virtual std::shared_ptr<stream_handle> stream_batches(const chat_request& request,
                                                        const call_options& options,
                                                        stream_batch_sink sink) {
    return stream_with(request, options, [sink = std::move(sink)](stream_event e) {
      stream_batch one;
      one.push_back(std::move(e));
      sink(std::move(one));
    });
  }
};

using provider_ptr = std::shared_ptr<provider>;

}  // namespace so::adapters::llm
