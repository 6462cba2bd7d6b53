// adapters/storage/packed_fields.hpp — a fixed list of strings, each present or absent,
// packed into one std::string.
//
// Contract: `packed_fields_writer` appends fields in order; `packed_field(packed, i)`
// answers field i (nullopt when it was added absent, or when there is no field i).
// A present field may be empty and is told apart from an absent one. Layout: per
// field a LEB128 varint of (length + 1), 0 meaning absent, then its bytes; reading
// field i walks the i fields before it (the lists are short).
//
// Why: the in-memory store keeps every record ever written, and a participant row was
// 496 bytes of std::string and std::optional<std::string> members, most of them empty,
// plus one heap block per id longer than the small-string buffer (36-character UUIDs
// all are). On this VM fresh memory is the dearest part of a create (docs/benchmarks.md:
// the kernel zeroing new huge pages), so a row that is one heap block is worth the
// unpacking on the rare reads.
//
// Thread-safety: none (values and free functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace so::adapters {

class packed_fields_writer {
 public:
  /// `reserve`: the expected packed size (one allocation when it suffices; see
  /// `packed_size`).
  explicit packed_fields_writer(std::size_t reserve = 0) { out_.reserve(reserve); }

  packed_fields_writer& add(std::string_view field) {
    put_length(field.size() + 1);
    out_.append(field);
    return *this;
  }
  packed_fields_writer& add(const std::string& field) { return add(std::string_view(field)); }
  packed_fields_writer& add(const char* field) { return add(std::string_view(field)); }
  packed_fields_writer& add(const std::optional<std::string>& field) {
    if (!field) {
      put_length(0);
      return *this;
    }
    return add(std::string_view(*field));
  }

  /// The packed list; the writer is empty afterwards.
  std::string finish() { return std::move(out_); }

 private:
  void put_length(std::size_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }

  std::string out_;
};

/// The room `n` fields of `bytes` bytes in all take, when each is under 128 bytes (a
/// longer one takes a byte or two more for its length).
constexpr std::size_t packed_size(std::size_t n, std::size_t bytes) {
  return n + bytes;
}

/// The bytes an optional field adds to `packed_size`'s total (none when absent).
inline std::size_t packed_bytes(const std::optional<std::string>& field) {
  return field ? field->size() : 0;
}

/// Field `index` of `packed` (see the contract above).
inline std::optional<std::string_view> packed_field(std::string_view packed, std::size_t index) {
  std::size_t at = 0;
  for (std::size_t i = 0;; ++i) {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= packed.size() || shift > 63) return std::nullopt;  // no such field
      const auto byte = static_cast<unsigned char>(packed[at++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
    }
    const std::size_t size = v == 0 ? 0 : static_cast<std::size_t>(v - 1);
    if (size > packed.size() - at) return std::nullopt;  // truncated
    if (i == index) {
      if (v == 0) return std::nullopt;
      return packed.substr(at, size);
    }
    at += size;
  }
}

/// Field `index` as a std::string ("" when absent): for required fields.
inline std::string packed_string(std::string_view packed, std::size_t index) {
  return std::string(packed_field(packed, index).value_or(std::string_view()));
}

/// Field `index` as an optional std::string.
inline std::optional<std::string> packed_optional(std::string_view packed, std::size_t index) {
  if (auto f = packed_field(packed, index)) return std::string(*f);
  return std::nullopt;
}

}  // namespace so::adapters
