// protocol/json.cpp — hardened parsing of untrusted JSON.
//
// Contract: pure functions, no shared state; safe from any thread.
#include "protocol/json.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <string>

namespace so::protocol {
namespace {

// Forwards SAX events to the Document while counting nesting. RapidJSON has no
// depth limit of its own, and its recursive Writer/Accept would overflow the
// stack on input the iterative parser happily accepts, so we stop early.
template <class Document>
class depth_limited_handler {
 public:
  depth_limited_handler(Document& inner, std::size_t max_depth)
      : inner_(inner), max_depth_(max_depth) {}

  bool Null() { return inner_.Null(); }
  bool Bool(bool b) { return inner_.Bool(b); }
  bool Int(int i) { return inner_.Int(i); }
  bool Uint(unsigned u) { return inner_.Uint(u); }
  bool Int64(int64_t i) { return inner_.Int64(i); }
  bool Uint64(uint64_t u) { return inner_.Uint64(u); }
  bool Double(double d) { return inner_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return inner_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return valid_scalars(s, n) && inner_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return valid_scalars(s, n) && inner_.Key(s, n, copy);
  }
  bool StartObject() { return enter() && inner_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return inner_.EndObject(n);
  }
  bool StartArray() { return enter() && inner_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return inner_.EndArray(n);
  }

  bool too_deep() const { return too_deep_; }
  bool lone_surrogate() const { return lone_surrogate_; }

 private:
  // The raw bytes were validated, but RapidJSON 1.1.0 checks only *high*
  // surrogate escapes: "\ude00" is decoded into the invalid UTF-8 ED B8 80.
  // Decoded surrogates are always ED A0..BF xx, so that pair is the whole test.
  bool valid_scalars(const char* s, rapidjson::SizeType n) {
    for (rapidjson::SizeType i = 0; i + 1 < n; ++i) {
      if (static_cast<unsigned char>(s[i]) == 0xED &&
          static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
        lone_surrogate_ = true;
        return false;
      }
    }
    return true;
  }

  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  Document& inner_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool lone_surrogate_ = false;
};

// Full precision so opaque client JSON (e.g. `metadata`) keeps its exact numbers
// when it is re-serialized for storage.
constexpr unsigned kUntrustedFlags = rapidjson::kParseValidateEncodingFlag |
                                     rapidjson::kParseIterativeFlag |
                                     rapidjson::kParseFullPrecisionFlag;

using input_stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

// The generator `Document::Populate` drives: runs the reader into the handler
// and remembers how the parse ended.
struct limited_generator {
  std::string_view text;
  std::size_t max_depth;
  bool utf8_checked;
  json_parse_result result;

  template <class Document>
  bool operator()(Document& doc) {
    rapidjson::MemoryStream ms(text.data(), text.size());
    input_stream is(ms);
    depth_limited_handler<Document> handler(doc, max_depth);
    // The reader's state stack starts on this stack frame (no heap for a usual frame).
    alignas(8) char stack_bytes[512];
    rapidjson::MemoryPoolAllocator<> stack(stack_bytes, sizeof stack_bytes, 4096);
    rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>
        reader(&stack, sizeof stack_bytes / 2);
    constexpr unsigned kCheckedFlags = kUntrustedFlags & ~rapidjson::kParseValidateEncodingFlag;
    const rapidjson::ParseResult pr = utf8_checked ? reader.Parse<kCheckedFlags>(is, handler)
                                                   : reader.Parse<kUntrustedFlags>(is, handler);
    if (pr.IsError()) {
      if (handler.too_deep()) {
        result.error = "JSON nested deeper than " + std::to_string(max_depth) +
                       " levels at offset " + std::to_string(pr.Offset());
      } else if (handler.lone_surrogate()) {
        result.error =
            "The surrogate pair in string is invalid. at offset " + std::to_string(pr.Offset());
      } else {
        result.error = std::string(rapidjson::GetParseError_En(pr.Code())) + " at offset " +
                       std::to_string(pr.Offset());
      }
      return false;
    }
    // MemoryStream reports a NUL byte exactly like the end of input, so
    // `{"a":1}\0junk` would otherwise pass: demand that every byte was consumed.
    if (is.Tell() != text.size()) {
      result.error =
          "unexpected NUL byte after the JSON value at offset " + std::to_string(is.Tell());
      return false;
    }
    result.ok = true;
    return true;
  }
};

}  // namespace

namespace {

template <class Document>
json_parse_result parse_into(Document& doc, std::string_view text, const json_limits& limits) {
  limited_generator gen{text, limits.max_depth, limits.utf8_checked, {}};
  doc.SetNull();
  doc.Populate(gen);
  if (!gen.result.ok) doc.SetNull();  // never hand out a half-built value
  return gen.result;
}

}  // namespace

json_parse_result parse_untrusted(rapidjson::Document& doc, std::string_view text,
                                  const json_limits& limits) {
  return parse_into(doc, text, limits);
}

json_parse_result parse_untrusted(frame_document& doc, std::string_view text,
                                  const json_limits& limits) {
  return parse_into(doc.doc(), text, limits);
}

const rapidjson::Value* get_member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> get_string(const rapidjson::Value& obj, const char* key) {
  const rapidjson::Value* v = get_member(obj, key);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<bool> get_bool(const rapidjson::Value& obj, const char* key) {
  const rapidjson::Value* v = get_member(obj, key);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::string to_compact_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer sb;
  json_writer w(sb);
  value.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace so::protocol
