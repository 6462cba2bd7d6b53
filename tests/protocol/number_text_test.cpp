// tests/protocol/number_text_test.cpp — doubles printed like serde_json/ryu.
#include "protocol/number_text.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

using so::protocol::shortest_double_text;

TEST_CASE("shortest_double_text matches ryu's output", "[protocol][number]") {
  // Widened f32 scores, as citations carry them (engine.md §1.13).
  CHECK(shortest_double_text(static_cast<double>(1.0f / 13.0f)) == "0.07692307978868484");
  CHECK(shortest_double_text(static_cast<double>(0.91f)) == "0.9100000262260437");
  CHECK(shortest_double_text(static_cast<double>(0.42f)) == "0.41999998688697815");
  CHECK(shortest_double_text(static_cast<double>(0.1f)) == "0.10000000149011612");
  // Layout rules of ryu's pretty printer.
  CHECK(shortest_double_text(0.5) == "0.5");
  CHECK(shortest_double_text(1.0) == "1.0");
  CHECK(shortest_double_text(-2.5) == "-2.5");
  CHECK(shortest_double_text(12.34) == "12.34");
  CHECK(shortest_double_text(1e15) == "1000000000000000.0");
  CHECK(shortest_double_text(1e16) == "1e16");
  CHECK(shortest_double_text(1.2345678901234568e17) == "1.2345678901234568e17");
  CHECK(shortest_double_text(0.0001) == "0.0001");
  CHECK(shortest_double_text(0.00001) == "0.00001");
  CHECK(shortest_double_text(0.000001) == "1e-6");
  CHECK(shortest_double_text(1.5e-7) == "1.5e-7");
  CHECK(shortest_double_text(0.0) == "0.0");
  CHECK(shortest_double_text(-0.0) == "-0.0");
  CHECK(shortest_double_text(std::numeric_limits<double>::max()) == "1.7976931348623157e308");
  CHECK(shortest_double_text(std::numeric_limits<double>::denorm_min()) == "5e-324");
}

TEST_CASE("shortest_double_text round-trips and maps non-finite to null", "[protocol][number]") {
  for (double v : {0.1, 1.0 / 3.0, 2.0 / 3.0, 123.456, 1e-300, 6.02214076e23, -9.87654321e-5}) {
    const std::string text = shortest_double_text(v);
    INFO(text);
    CHECK(std::strtod(text.c_str(), nullptr) == v);
  }
  CHECK(shortest_double_text(std::numeric_limits<double>::quiet_NaN()) == "null");
  CHECK(shortest_double_text(std::numeric_limits<double>::infinity()) == "null");
  CHECK(shortest_double_text(-std::numeric_limits<double>::infinity()) == "null");
}
