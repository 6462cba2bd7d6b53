// tests/protocol/suggested_replies_test.cpp — the suggested-replies trailer: stream
// hold-back, extraction, the markdown fallback (later-protocol.md §3.1) and the
// responseParts repetition collapse (§3.2), and the turn's final-reply selection (§3.5).
#include "protocol/suggested_replies.hpp"
#include "protocol/reply_collapse.hpp"
#include "protocol/turn_reply.hpp"

#include <catch2/catch.hpp>

using namespace so::protocol;
using strings = std::vector<std::string>;

namespace {

/// Streams `deltas` through one filter; returns what was sent, one entry per non-empty send.
strings stream(const strings& deltas) {
  suggested_replies_filter f;
  strings sent;
  for (const auto& d : deltas)
    if (auto out = f.push(d); !out.empty()) sent.push_back(out);
  if (auto out = f.flush(); !out.empty()) sent.push_back(out);
  return sent;
}

std::string joined(const strings& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

}  // namespace

TEST_CASE("filter: ordinary text streams at once, nothing held", "[suggested]") {
  suggested_replies_filter f;
  CHECK(f.push("Hello ") == "Hello ");
  CHECK(f.push("world.") == "world.");
  CHECK(f.held() == 0);
  CHECK(f.flush().empty());
}

TEST_CASE("filter: only a possible tag prefix is held back", "[suggested]") {
  suggested_replies_filter f;
  CHECK(f.push("Pick one <sugg") == "Pick one ");
  CHECK(f.held() == 5);
  CHECK(f.push("ested_replies>[\"a\"]") == "");  // the tag completes: suppressed
  CHECK(f.suppressing());
  CHECK(f.push("</suggested_replies>").empty());
  CHECK(f.flush().empty());
}

TEST_CASE("filter: a tag split across deltas never reaches the stream", "[suggested]") {
  auto sent = stream({"How mature are your processes?\n<", "sugg", "ested_rep", "lies>[\"Ad-hoc\",",
                      " \"Optimized\"]</suggested_replies>"});
  CHECK(joined(sent) == "How mature are your processes?\n");
  for (const auto& s : sent) CHECK(s.find('<') == std::string::npos);
}

TEST_CASE("filter: a false prefix is flushed with the next delta or at the end", "[suggested]") {
  CHECK(joined(stream({"a <sup", "er> b"})) == "a <super> b");
  CHECK(joined(stream({"x <", "sup"})) == "x <sup");
  CHECK(joined(stream({"dangling <suggested_rep"})) == "dangling <suggested_rep");
  // A `<` that cannot start the tag is not held at all.
  suggested_replies_filter f;
  CHECK(f.push("a < b") == "a < b");
}

TEST_CASE("filter: suppression lasts for the whole turn, across model calls", "[suggested]") {
  suggested_replies_filter f;
  CHECK(f.push("Before <suggested_replies>[]") == "Before ");
  CHECK(f.flush().empty());             // end of the first call
  CHECK(f.push("later text").empty());  // a later iteration stays hidden
}

TEST_CASE("extract: the trailer is stripped and parsed", "[suggested]") {
  auto r = extract_suggested_replies(
      "How mature are your processes?\n<suggested_replies>[\"Ad-hoc\", \"Repeatable\", "
      "\"Optimized\"]</suggested_replies>");
  CHECK(r.reply == "How mature are your processes?");
  CHECK(r.suggestions == strings{"Ad-hoc", "Repeatable", "Optimized"});
}

TEST_CASE("extract: at most four, strings only, trimmed, blanks dropped", "[suggested]") {
  auto r = extract_suggested_replies(
      "Q?\n<suggested_replies>[\" a \", 1, \"\", \"  \", null, \"b\", \"c\", \"d\", "
      "\"e\"]</suggested_replies>");
  CHECK(r.reply == "Q?");
  CHECK(r.suggestions == strings{"a", "b", "c", "d"});
}

TEST_CASE("extract: an unparsable body yields none but is still stripped", "[suggested]") {
  auto r = extract_suggested_replies("Q?\n<suggested_replies>[not json</suggested_replies>");
  CHECK(r.reply == "Q?");
  CHECK(r.suggestions.empty());
  auto obj = extract_suggested_replies("Q?\n<suggested_replies>{\"a\":1}</suggested_replies>");
  CHECK(obj.reply == "Q?");
  CHECK(obj.suggestions.empty());
}

TEST_CASE("extract: no closing tag runs to the end, text after a closing tag stays",
          "[suggested]") {
  auto open = extract_suggested_replies("Q? <suggested_replies>[\"y\", \"n\"]");
  CHECK(open.reply == "Q?");
  CHECK(open.suggestions == strings{"y", "n"});
  auto mid =
      extract_suggested_replies("Intro <suggested_replies>[\"y\"]</suggested_replies> outro.  \n");
  CHECK(mid.reply == "Intro  outro.");
  CHECK(mid.suggestions == strings{"y"});
  // The LAST tag is the trailer.
  auto two = extract_suggested_replies(
      "A <suggested_replies>[\"1\"]</suggested_replies> B <suggested_replies>[\"2\"]");
  CHECK(two.reply == "A <suggested_replies>[\"1\"]</suggested_replies> B");
  CHECK(two.suggestions == strings{"2"});
}

TEST_CASE("extract: a reply without any trailer is unchanged", "[suggested]") {
  auto r = extract_suggested_replies("Just an answer.  ");
  CHECK(r.reply == "Just an answer.  ");
  CHECK(r.suggestions.empty());
}

TEST_CASE("extract: the markdown fallback takes bullet and numbered lists", "[suggested]") {
  auto r = extract_suggested_replies(
      "Which plan?\n\nSuggested replies:\n- \"Basic\"\n* `Pro`\n\xE2\x80\xA2 Team\n\n- 'Enterprise'"
      "\n- Fifth");
  CHECK(r.reply == "Which plan?");
  CHECK(r.suggestions == strings{"Basic", "Pro", "Team", "Enterprise"});
  auto n = extract_suggested_replies("Q\n**Suggested Replies:**\n1. Yes\n2) No");
  CHECK(n.reply == "Q\n**");  // the spec's quirk: text on the header line is discarded
  CHECK(n.suggestions == strings{"Yes", "No"});
  auto u = extract_suggested_replies("Q\nsuggested_replies:\n1. Sure");
  CHECK(u.reply == "Q");
  CHECK(u.suggestions == strings{"Sure"});
}

TEST_CASE("extract: a markdown header followed by anything but a list changes nothing",
          "[suggested]") {
  for (const char* text : {"Q\nSuggested replies:\n- Yes\nSome prose", "Q\nSuggested replies: yes",
                           "Q\nSuggested replies:\n", "Q\nSuggested replies:\n- \"\"",
                           "Q\nSuggested replies:\n12 apples"}) {
    INFO(text);
    auto r = extract_suggested_replies(text);
    CHECK(r.reply == text);
    CHECK(r.suggestions.empty());
  }
}

TEST_CASE("collapse: a runaway loop is cut to its first six distinct sentences", "[collapse]") {
  std::string looping =
      "Intro one. Second point here! Third? Fourth thing. Fifth item. "
      "Sixth part. Seventh bit.";
  for (int i = 0; i < 7; ++i) looping += " I can help with that.";
  looping = "I can help with that. " + looping;
  CHECK(collapse_repetition(looping) ==
        "I can help with that. Intro one. Second point here! Third? Fourth thing. Fifth item.");
}

TEST_CASE("collapse: six repeats or fewer leave the reply byte for byte", "[collapse]") {
  std::string text = "Same line.\n";
  for (int i = 0; i < 6; ++i) text += "same LINE!\n";
  CHECK(collapse_repetition(text) == text);
  CHECK(collapse_repetition("") == "");
  // Wordless segments (table rules) never count as repeats.
  std::string table = "| a | b |\n";
  for (int i = 0; i < 10; ++i) table += "|---|---|\n";
  CHECK(collapse_repetition(table) == table);
}

TEST_CASE("prompt: the section is the spec's text", "[suggested]") {
  CHECK(suggested_replies_prompt.substr(0, 27) == "## Suggested quick replies\n");
  CHECK(suggested_replies_prompt.find("<suggested_replies>[\"First candidate reply\", \"Second "
                                      "candidate reply\"]</suggested_replies>") !=
        std::string_view::npos);
  CHECK(suggested_replies_prompt.substr(suggested_replies_prompt.size() - 14) == " description).");
}

TEST_CASE("turn reply: the last assistant text wins, then the stream, then reasoning",
          "[turn-reply]") {
  turn_reply r;
  CHECK(r.answer_delta("Checking ") == "Checking ");
  CHECK_FALSE(r.answer_delta("now <sugg").empty());
  CHECK(r.answer_started());
  CHECK(r.end_of_response() == "<sugg");  // a false prefix at the end of a response
  r.reasoning_delta("thinking");
  CHECK(r.finish("Final answer.").persisted == "Final answer.");
  auto streamed = r.finish("  \n");  // blank last message: every answer delta of the turn
  CHECK(streamed.persisted == "Checking now <sugg");
  turn_reply only_reasoning;
  only_reasoning.reasoning_delta("The answer ");
  only_reasoning.reasoning_delta("is 42.");
  CHECK_FALSE(only_reasoning.answer_started());
  CHECK(only_reasoning.finish("").persisted == "The answer is 42.");
}

TEST_CASE("turn reply: the trailer is extracted, a reply of nothing but whitespace is empty",
          "[turn-reply]") {
  turn_reply r;
  auto f = r.finish("Pick one.\n<suggested_replies>[\"A\",\"B\"]</suggested_replies>");
  CHECK(f.persisted == "Pick one.");
  CHECK(f.wire == "Pick one.");
  CHECK(f.suggestions == strings{"A", "B"});
  auto only_trailer = r.finish("<suggested_replies>[\"A\"]</suggested_replies>");
  CHECK(only_trailer.persisted.empty());
  CHECK(only_trailer.wire.empty());
  CHECK(only_trailer.suggestions == strings{"A"});
  CHECK(turn_reply{}.finish("").persisted.empty());
}
