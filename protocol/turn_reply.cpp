// protocol/turn_reply.cpp — see turn_reply.hpp.
#include "protocol/turn_reply.hpp"

#include "protocol/reply_collapse.hpp"

namespace so::protocol {
namespace {

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
}

}  // namespace

std::string turn_reply::answer_delta(std::string_view text) {
  answer_.append(text);
  return filter_.push(text);
}

final_reply turn_reply::finish(std::string_view last_assistant) const {
  std::string_view chosen = last_assistant;
  if (blank(chosen)) chosen = answer_;
  if (blank(chosen)) chosen = reasoning_;
  auto extracted = extract_suggested_replies(chosen);
  final_reply out;
  // A reply with nothing but whitespace is no reply (nothing persisted; `[""]` on the wire).
  if (!blank(extracted.reply)) out.persisted = std::move(extracted.reply);
  out.wire = collapse_repetition(out.persisted);
  out.suggestions = std::move(extracted.suggestions);
  return out;
}

}  // namespace so::protocol
