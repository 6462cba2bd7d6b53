// protocol/number_text.hpp — doubles printed exactly as the reference server prints them.
//
// The reference (serde_json + ryu) prints the shortest decimal that round-trips,
// in ryu's layout (`1.0`, `0.001234`, `1e-7`, `1.234e33`). RapidJSON's Grisu2 is
// not always shortest (1/13f widened: `...85` instead of `...84`), so values
// that must match byte-for-byte go through here. Pure; safe from any thread.
#pragma once

#include "protocol/json.hpp"

#include <string>

namespace so::protocol {

/// Shortest round-trip text of a finite double in ryu's layout; "null" when not finite
/// (serde_json's choice for NaN and infinities).
std::string shortest_double_text(double value);

/// Writes `value` with `shortest_double_text`.
void write_double(json_writer& w, double value);

}  // namespace so::protocol
