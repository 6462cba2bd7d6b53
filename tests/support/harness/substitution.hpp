// tests/support/harness/substitution.hpp — `{{var}}` substitution in scenario frames.
//
// protocol.md §6.3: before a step's frame is sent, every string value that
// starts with "{{" and ends with "}}" is replaced as a whole by the captured
// value of that variable, keeping the captured JSON type. The walk recurses into
// objects only — strings inside arrays (and anything below an array) stay as is.
// There is no partial (in-string) interpolation.
// Thread-safety: plain functions and a value type; no shared state.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace so::test {

/// Captured variables: name → compact JSON text of the captured value (so a
/// number stays a number and an object stays an object when substituted).
using variables = std::map<std::string, std::string, std::less<>>;

/// The variable a string names ("{{sessionId}}" → "sessionId"), or nullopt when
/// the string is not a whole-value placeholder.
std::optional<std::string_view> placeholder_name(std::string_view text);

/// Substitutes in place. Returns nullopt on success, else a message naming the
/// first placeholder whose variable was never captured (a scenario bug that must
/// fail loudly rather than send the literal "{{…}}").
std::optional<std::string> substitute(rapidjson::Value& value,
                                      rapidjson::Document::AllocatorType& allocator,
                                      const variables& vars);

}  // namespace so::test
