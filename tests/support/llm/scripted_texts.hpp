// tests/support/llm/scripted_texts.hpp — a scripted LLM that answers each call with the
// next of a list of plain texts, for tests that need a turn to end but not its content.
//
// Thread-safety: the returned provider is as thread-safe as scripted_provider.
#pragma once

#include "adapters/llm/scripted_provider.hpp"

#include <memory>
#include <string>
#include <vector>

namespace so::test {

/// A scripted LLM answering each call with the next text.
inline std::shared_ptr<adapters::llm::scripted_provider> scripted_texts(
    const std::vector<std::string>& replies) {
  std::vector<adapters::llm::script_entry> entries;
  for (const auto& r : replies) {
    adapters::llm::script_entry e;
    e.what = adapters::llm::script_entry::kind::text;
    e.text = r;
    entries.push_back(e);
  }
  return std::make_shared<adapters::llm::scripted_provider>(std::move(entries));
}

}  // namespace so::test
