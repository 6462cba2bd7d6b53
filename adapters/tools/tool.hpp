// adapters/tools/tool.hpp — the tool seam (engine.md §1.7, §4).
//
// Thread-safety: `spec` is immutable; `invoke` may be called concurrently from
// any thread, never blocks, and completes exactly once through `done`, possibly
// on another thread (a webhook completes on the I/O thread).
#pragma once

#include "adapters/knowledge/knowledge_base.hpp"
#include "adapters/llm/llm_types.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace so::adapters::tools {

/// What a tool learns about the turn that calls it.
struct tool_context {
  std::string session_id;
  std::string conversation_id;
  std::string org_id;  ///< the session's (= conversation's) org (decisions.md)
  access_context access;
  /// The turn's resolved per-org gateway key (admin-auth.md §5.4); nullopt when none
  /// was resolved. Never logged.
  std::optional<std::string> gateway_key;
  /// Issue 12: `send_message.files[]` of this turn, for host tools (never sent to the
  /// model, never persisted). Each is {name, mimeType (may be empty), url}.
  struct file {
    std::string name;
    std::string mime_type;
    std::string url;
  };
  std::vector<file> files = {};
};

/// What a tool hands back. `text` is the full result the model sees.
struct tool_outcome {
  std::string text;
  bool is_error = false;
  /// Knowledge results to cite (knowledge_search only).
  std::vector<knowledge_result> sources;

  static tool_outcome ok(std::string t) { return {std::move(t), false, {}}; }
  /// Failure text as the engine formats it: "error: <message>".
  static tool_outcome failure(const std::string& message) {
    return {"error: " + message, true, {}};
  }
};

using tool_done = std::function<void(tool_outcome)>;

class tool {
 public:
  virtual ~tool() = default;
  virtual const llm::tool_spec& spec() const = 0;
  /// `arguments_json` is compact JSON text (`{}` when the model sent nothing usable).
  virtual void invoke(const std::string& arguments_json, const tool_context& ctx,
                      tool_done done) = 0;
};

using tool_ptr = std::shared_ptr<tool>;

/// Host seam: extra tools per turn (admin-auth.md §5.4). Thread-safe.
class tool_provider {
 public:
  virtual ~tool_provider() = default;
  virtual std::vector<tool_ptr> tools_for(const tool_context& ctx) = 0;
};

using tool_provider_ptr = std::shared_ptr<tool_provider>;

}  // namespace so::adapters::tools
