// tests/support/harness/json_path.cpp — see json_path.hpp.
#include "tests/support/harness/json_path.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace so::test {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

const rapidjson::Value* step_into(const rapidjson::Value& current, std::string_view segment) {
  if (current.IsArray() && all_digits(segment)) {
    // Digits only, so an overlong index simply fails the bounds check below.
    const unsigned long long index = std::strtoull(std::string(segment).c_str(), nullptr, 10);
    if (index >= current.Size()) return nullptr;
    return &current[static_cast<rapidjson::SizeType>(index)];
  }
  if (!current.IsObject()) return nullptr;
  const auto it =
      current.FindMember(rapidjson::Value(rapidjson::StringRef(segment.data(), segment.size())));
  return it == current.MemberEnd() ? nullptr : &it->value;
}

bool numbers_equal(const rapidjson::Value& a, const rapidjson::Value& b) {
  // Integers compare exactly when both fit the same integer type; anything
  // involving a double compares as double, so 200 equals 200.0.
  if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
  if (a.IsUint64() && b.IsUint64()) return a.GetUint64() == b.GetUint64();
  return a.GetDouble() == b.GetDouble();
}

}  // namespace

const rapidjson::Value* resolve_path(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* current = &root;
  std::size_t start = 0;
  while (current != nullptr) {
    const std::size_t dot = path.find('.', start);
    const std::string_view segment =
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    current = step_into(*current, segment);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return current;
}

bool json_equal(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsNumber() || b.IsNumber()) return a.IsNumber() && b.IsNumber() && numbers_equal(a, b);
  if (a.IsBool() || b.IsBool()) return a.IsBool() && b.IsBool() && a.GetBool() == b.GetBool();
  if (a.GetType() != b.GetType()) return false;
  switch (a.GetType()) {
    case rapidjson::kNullType:
      return true;
    case rapidjson::kStringType:
      return a.GetStringLength() == b.GetStringLength() &&
             std::string_view(a.GetString(), a.GetStringLength()) ==
                 std::string_view(b.GetString(), b.GetStringLength());
    case rapidjson::kArrayType: {
      if (a.Size() != b.Size()) return false;
      for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
        if (!json_equal(a[i], b[i])) return false;
      }
      return true;
    }
    case rapidjson::kObjectType: {
      if (a.MemberCount() != b.MemberCount()) return false;
      for (const auto& m : a.GetObject()) {
        const auto it = b.FindMember(m.name);
        if (it == b.MemberEnd() || !json_equal(m.value, it->value)) return false;
      }
      return true;
    }
    default:
      return false;  // bools and numbers were handled above
  }
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace so::test
