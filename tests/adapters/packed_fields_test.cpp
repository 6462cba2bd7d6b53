// tests/adapters/packed_fields_test.cpp — the packed string lists of the in-memory
// storage's rows (adapters/storage/packed_fields.hpp): present, empty and absent fields
// told apart, lengths of one, two and three varint bytes, and malformed input.
#include "adapters/storage/packed_fields.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using so::adapters::packed_field;
using so::adapters::packed_fields_writer;
using so::adapters::packed_optional;
using so::adapters::packed_size;
using so::adapters::packed_string;

TEST_CASE("packed fields keep present, empty and absent fields apart", "[packed_fields]") {
  const std::optional<std::string> absent;
  const std::optional<std::string> empty = std::string();
  const std::string packed = packed_fields_writer(packed_size(4, 6))
                                 .add("id-1")
                                 .add(absent)
                                 .add(empty)
                                 .add(std::optional<std::string>("xy"))
                                 .finish();
  CHECK(packed.size() == packed_size(4, 6));  // one length byte per short field
  CHECK(packed_field(packed, 0) == std::optional<std::string_view>("id-1"));
  CHECK_FALSE(packed_field(packed, 1).has_value());
  REQUIRE(packed_field(packed, 2).has_value());
  CHECK(packed_field(packed, 2)->empty());
  CHECK(packed_optional(packed, 3) == std::optional<std::string>("xy"));
  CHECK_FALSE(packed_field(packed, 4).has_value());  // no such field
  CHECK(packed_string(packed, 1).empty());           // absent reads as "" where required
}

TEST_CASE("packed fields hold long fields (multi-byte lengths)", "[packed_fields]") {
  const std::string a(127, 'a');     // length + 1 = 128: two varint bytes
  const std::string b(20'000, 'b');  // three varint bytes
  const std::string c = "after";
  const std::string packed = packed_fields_writer().add(a).add(b).add(c).finish();
  CHECK(packed.size() == a.size() + b.size() + c.size() + 2 + 3 + 1);
  CHECK(packed_string(packed, 0) == a);
  CHECK(packed_string(packed, 1) == b);
  CHECK(packed_string(packed, 2) == c);
}

TEST_CASE("a truncated or malformed packed list answers no field", "[packed_fields]") {
  const std::string packed = packed_fields_writer().add("hello").add("world").finish();
  const std::string cut = packed.substr(0, packed.size() - 2);
  CHECK(packed_field(cut, 0) == std::optional<std::string_view>("hello"));
  CHECK_FALSE(packed_field(cut, 1).has_value());                      // its bytes run past the end
  CHECK_FALSE(packed_field(std::string(12, '\xFF'), 0).has_value());  // endless varint
  CHECK_FALSE(packed_field("", 0).has_value());
}
