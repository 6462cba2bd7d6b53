// adapters/llm/persona_source.hpp — the per-org persona seam (engine.md §1.6).
//
// A persona, when an org has one, replaces the built-in system prompt entirely.
// Turns ask with the session's org (decisions.md). Implementations must answer
// without blocking (cache what a settings store holds); thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace so::adapters::llm {

class persona_source {
 public:
  virtual ~persona_source() = default;
  virtual std::optional<std::string> persona_for(const std::string& org) const = 0;
};

using persona_source_ptr = std::shared_ptr<const persona_source>;

/// Fixed org → persona map (boot configuration, tests). Immutable.
class static_persona_source final : public persona_source {
 public:
  explicit static_persona_source(std::map<std::string, std::string> personas)
      : personas_(std::move(personas)) {}
  std::optional<std::string> persona_for(const std::string& org) const override {
    auto it = personas_.find(org);
    if (it == personas_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> personas_;
};

}  // namespace so::adapters::llm
