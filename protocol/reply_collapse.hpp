// protocol/reply_collapse.hpp — the runaway-repetition guard of `responseParts`
// (later-protocol.md §3.2).
//
// A model stuck in a loop repeats near-identical sentences. The reply is split into
// segments after each `.`, `!`, `?` and at newlines (trimmed, empties dropped); a segment
// whose set of lower-cased alphanumeric words has Jaccard similarity >= 0.9 with an earlier
// kept segment is a repeat. Only when MORE than 6 repeats were dropped does the reply
// become the first 6 kept segments joined with single spaces; otherwise it is returned
// byte for byte. Segments without any word are skipped (neither kept nor counted as
// repeats: a markdown table's `|---|` rules must not trigger the collapse).
// Words: runs of ASCII letters/digits and non-ASCII characters (an approximation of
// Unicode alphanumerics that never splits a multibyte character). Applied on the wire
// only: the persisted reply and the auto-title keep the uncollapsed text.
// Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace so::protocol {

std::string collapse_repetition(std::string_view reply);

}  // namespace so::protocol
