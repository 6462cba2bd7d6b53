// protocol/ids.hpp — identifier minting.
#pragma once

#include <string>

namespace so::protocol {

/// A fresh random UUID v4, lowercase and hyphenated. Thread-safe (per-thread engine).
std::string new_uuid_v4();

/// True when `s` is a hyphenated UUID (any version), case-insensitive.
bool looks_like_uuid(const std::string& s);

}  // namespace so::protocol
