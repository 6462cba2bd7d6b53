// protocol/json.hpp — hardened JSON parsing and the writer type every builder uses.
//
// Contract: pure functions, no I/O, no shared state. Safe to call from any thread.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace so::protocol {

// ---- parsing ------------------------------------------------------------------

/// Limits applied to every untrusted JSON text.
struct json_limits {
  /// Maximum nesting of arrays/objects. RapidJSON has no limit of its own and its
  /// (recursive) writer crashes on very deep input, so we cap it.
  std::size_t max_depth = 64;
  /// The caller has already checked that the text is valid UTF-8 (is_valid_utf8, or
  /// repaired it): the parser skips checking it a second time.
  bool utf8_checked = false;
};

/// Outcome of `parse_untrusted`: either a document or a human-readable reason.
struct json_parse_result {
  bool ok = false;
  std::string error;  ///< e.g. "Invalid value. at offset 20"; empty when ok
};

/// Parses `text` into `doc` validating UTF-8 (RapidJSON does not by default),
/// using the iterative parser and enforcing `limits.max_depth`.
json_parse_result parse_untrusted(rapidjson::Document& doc, std::string_view text,
                                  const json_limits& limits = {});

/// A document for one short-lived parse (an inbound frame) whose value pool and parse
/// stack start in buffers inside the object, so a typical frame parses without touching
/// the heap. Why: a default rapidjson::Document allocates a 64 KiB pool chunk per parse,
/// and freeing a chunk that large made glibc consolidate and trim its heap on every
/// frame (docs/benchmarks.md, run E). Values past the buffers continue in 16 KiB heap
/// chunks. About 3 KiB: keep it on the parsing function's stack, never across calls.
/// Its values are ordinary rapidjson::Value, so every accessor below takes them.
class frame_document {
 public:
  using allocator = rapidjson::MemoryPoolAllocator<>;
  using document = rapidjson::GenericDocument<rapidjson::UTF8<>, allocator, allocator>;

  frame_document()
      : values_(value_bytes_, sizeof value_bytes_, kChunkBytes),
        stack_(stack_bytes_, sizeof stack_bytes_, kChunkBytes),
        doc_(&values_, sizeof stack_bytes_ / 2, &stack_) {}
  frame_document(const frame_document&) = delete;
  frame_document& operator=(const frame_document&) = delete;

  document& doc() { return doc_; }
  const rapidjson::Value& value() const { return doc_; }

  /// Forgets the value and gives back every overflow chunk, keeping the in-object
  /// buffers: one object then serves parse after parse (a stream's lines).
  void reset() {
    doc_.SetNull();  // nothing may point into the pools when they are cleared
    values_.Clear();
    stack_.Clear();
  }

 private:
  static constexpr std::size_t kChunkBytes = 16 * 1024;
  alignas(8) char value_bytes_[2048];
  alignas(8) char stack_bytes_[1024];
  allocator values_;
  allocator stack_;
  document doc_;  // last: built from the allocators above
};

/// As above, into a frame_document.
json_parse_result parse_untrusted(frame_document& doc, std::string_view text,
                                  const json_limits& limits = {});

// ---- field access (a wrong JSON type counts as missing, per protocol.md §3.0) ----

/// The member's string value, or nullopt when absent or not a string.
std::optional<std::string> get_string(const rapidjson::Value& obj, const char* key);
/// The member's bool value, or nullopt when absent or not a JSON boolean.
std::optional<bool> get_bool(const rapidjson::Value& obj, const char* key);
/// The member itself, or nullptr when absent.
const rapidjson::Value* get_member(const rapidjson::Value& obj, const char* key);

/// Compact JSON text of any value (used to keep arbitrary JSON as opaque text).
std::string to_compact_json(const rapidjson::Value& value);

// ---- writing --------------------------------------------------------------------

/// The one writer type used by every builder. Output is compact UTF-8.
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Writes a std::string_view as a JSON string.
inline void write_string(json_writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
/// Writes a key.
inline void write_key(json_writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
/// Splices pre-serialized JSON text (must be a complete JSON value) into the output.
inline void write_raw(json_writer& w, std::string_view json, rapidjson::Type type) {
  w.RawValue(json.data(), json.size(), type);
}

}  // namespace so::protocol
