// net/request_target.hpp — pure helpers for an HTTP request target: path/query split,
// URL decoding, the `?token=` parameter of a `/ws` upgrade, and redaction for logs.
//
// No I/O and no Beast, so tests can include it. Thread-safety: free functions over
// their arguments only; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace so::net {

/// Splits "/ws?a=b" into {"/ws", "a=b"}; the query is empty when there is no '?'.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

/// Decodes one `application/x-www-form-urlencoded` component: `%XX` escapes and
/// '+' as space. A malformed escape is kept literally (as browsers and the
/// reference's form decoder do) instead of rejecting the request.
std::string url_decode(std::string_view s);

/// The first `token` parameter of `query`, decoded. Absent, empty and
/// whitespace-only values all mean "no token" (protocol.md §1.2).
std::optional<std::string> query_token(std::string_view query);

/// `target` with the value of every parameter whose name ends in "token"
/// replaced by "[redacted]", so the target can be logged (decisions.md).
std::string redact_target(std::string_view target);

}  // namespace so::net
