// adapters/llm/delta_normalizer.cpp — see delta_normalizer.hpp.
#include "adapters/llm/delta_normalizer.hpp"

namespace so::adapters::llm {

std::string delta_normalizer::normalize(std::string_view piece) {
  std::string out;
  if (piece.empty() || piece == emitted_) return out;
  if (!emitted_.empty() && piece.size() > emitted_.size() &&
      piece.substr(0, emitted_.size()) == emitted_) {
    out = piece.substr(emitted_.size());
  } else {
    out = piece;
  }
  emitted_ += out;
  return out;
}

std::optional<stream_event> stream_normalizer::apply(stream_event e) {
  if (auto* c = std::get_if<content_delta>(&e)) {
    c->text = content_.normalize(c->text);
    if (c->text.empty()) return std::nullopt;
  } else if (auto* a = std::get_if<tool_arguments_delta>(&e)) {
    a->text = arguments_[a->index].normalize(a->text);
    if (a->text.empty()) return std::nullopt;
  } else if (auto* s = std::get_if<tool_call_start>(&e)) {
    arguments_[s->index].reset();
  }
  return e;
}

}  // namespace so::adapters::llm
