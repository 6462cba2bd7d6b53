// adapters/knowledge/postgres_arrays.hpp — PostgreSQL array literals in the text
// protocol, for binding `text[]` and `real[]` parameters and reading `real[]` back.
//
// Values are always bound as parameters (never spliced into SQL); these functions
// only build and read the array's text form ("{...}").
//  - text arrays: every element double-quoted, `"` and `\` backslash-escaped, so
//    any string (commas, braces, quotes, "NULL") round-trips as itself;
//  - real arrays: each float in its shortest round-trip decimal form
//    (std::to_chars), which PostgreSQL's float4 input reads back to the same bits.
//
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace so::adapters::pg {

/// `{"a","b"}`; an empty list is `{}`.
std::string text_array_literal(const std::vector<std::string>& values);

/// `{0,-0.28867513,1}`. Throws storage_error when a value is NaN or infinite.
std::string real_array_literal(std::span<const float> values);

/// Reads a one-dimensional `real[]` in PostgreSQL's output form. Throws
/// storage_error on anything else (NULL elements, nesting, bad numbers).
std::vector<float> parse_real_array(std::string_view text);

}  // namespace so::adapters::pg
