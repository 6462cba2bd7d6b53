// tests/support/harness/json_path.hpp — JSON look-up and comparison for scenario matchers.
//
// Implements the two primitives of protocol.md §6.3 that every matcher check is
// built from: dot-path resolution (a numeric segment indexes an array, anything
// else is an object key; a missing key is "missing", never null) and exact JSON
// equality with numbers compared by value (200 == 200.0).
// Thread-safety: pure functions over caller-owned values; safe from any thread.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace so::test {

/// The value at `path` inside `root`, or nullptr when any segment is missing.
/// Segments split on '.'; a segment made only of digits indexes an array when
/// the current value is an array; otherwise it names an object member.
const rapidjson::Value* resolve_path(const rapidjson::Value& root, std::string_view path);

/// Exact structural equality: same JSON type family, numbers by value, strings
/// byte-equal, arrays element-wise, objects with the same member set (any order).
bool json_equal(const rapidjson::Value& a, const rapidjson::Value& b);

/// Compact JSON text of `value` (for failure messages and captured variables).
std::string to_json(const rapidjson::Value& value);

}  // namespace so::test
