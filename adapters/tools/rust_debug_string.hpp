// adapters/tools/rust_debug_string.hpp — a string in Rust's `{:?}` debug form.
//
// The reference server echoes the knowledge_search query with Rust's debug
// formatting (engine.md §1.8); the model sees that text, so we reproduce it.
// Pure function; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace so::adapters::tools {

/// `s` (UTF-8) as a double-quoted Rust debug string: `"` → `\"`, `\` → `\\`,
/// `\n` `\r` `\t` and NUL as their short escapes, combining (Grapheme_Extend)
/// and non-printable characters as `\u{hex}` (lowercase, unpadded). Single
/// quotes and printable Unicode are kept. Invalid UTF-8 bytes become U+FFFD.
std::string rust_debug_string(std::string_view s);

}  // namespace so::adapters::tools
