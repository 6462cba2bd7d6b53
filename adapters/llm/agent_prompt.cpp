#include "adapters/llm/agent_prompt.hpp"

namespace so::adapters::llm {

const std::string_view default_system_prompt =
    "You are a helpful customer-support agent for the organization. Answer the user's question "
    "accurately and concisely. When a question depends on organization-specific facts (policies, "
    "products, documentation), call the `knowledge_search` tool to retrieve them before "
    "answering, and ground your answer in what you retrieve. If the knowledge base has no "
    "relevant information, say so. Remember facts the user tells you within the conversation "
    "and use them when asked.";

const std::string_view final_iteration_reminder =
    "MAXIMUM ITERATIONS REACHED. This is your final iteration before the loop ends. Do not start "
    "new tool chains. Respond with text only:\n1. State that the maximum iterations for this "
    "agent have been reached.\n2. Summarize what has been accomplished so far.\n3. List any "
    "remaining tasks that were not completed.\n4. Recommend what should be done next (a "
    "follow-up dispatch, a manual step, a question for the user).";

std::vector<chat_message> replay_history(std::vector<adapters::history_entry> stored) {
  std::vector<chat_message> out;
  out.reserve(stored.size());
  for (auto& m : stored) {
    if (m.text.empty()) continue;  // whitespace-only text is kept, as the reference does
    chat_message c;
    c.role = m.direction == protocol::direction::inbound ? role::user : role::assistant;
    c.content = std::move(m.text);
    out.push_back(std::move(c));
  }
  return out;
}

std::size_t estimate_tokens(const chat_message& m) {
  return m.content.size() / 4 + 1;
}

std::vector<std::size_t> context_window(const std::vector<chat_message>& conversation,
                                        std::size_t budget_tokens) {
  std::vector<std::size_t> out;
  out.reserve(conversation.size());
  std::size_t used = 0;
  for (std::size_t i = 0; i < conversation.size(); ++i) {
    if (conversation[i].role != role::system) continue;
    out.push_back(i);
    used += estimate_tokens(conversation[i]);
  }
  // Walk back from the newest non-system message; stop at the first that does not fit.
  std::size_t first = conversation.size();
  for (std::size_t i = conversation.size(); i-- > 0;) {
    const auto& m = conversation[i];
    if (m.role == role::system) continue;
    auto t = estimate_tokens(m);
    if (used + t > budget_tokens) break;
    used += t;
    first = i;
  }
  for (std::size_t i = first; i < conversation.size(); ++i)
    if (conversation[i].role != role::system) out.push_back(i);
  return out;
}

}  // namespace so::adapters::llm
