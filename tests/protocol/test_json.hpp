// tests/protocol/test_json.hpp — helpers shared by the protocol tests.
//
// Parses builder output back into a DOM so tests assert on fields, not on text.
#pragma once

#include "protocol/json.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace so::test {

/// Parses `text` (must be valid JSON) into a fresh document.
inline rapidjson::Document parse_json(std::string_view text) {
  rapidjson::Document doc;
  const auto r = so::protocol::parse_untrusted(doc, text);
  INFO("JSON: " << text);
  REQUIRE(r.ok);
  return doc;
}

/// The member at a '/'-separated path of object keys, or nullptr when absent.
inline const rapidjson::Value* at(const rapidjson::Value& v, std::string_view path) {
  const rapidjson::Value* cur = &v;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string key(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (!cur->IsObject()) return nullptr;
    auto it = cur->FindMember(key.c_str());
    if (it == cur->MemberEnd()) return nullptr;
    cur = &it->value;
  }
  return cur;
}

/// The string at `path`; fails the test when absent or not a string.
inline std::string str_at(const rapidjson::Value& v, std::string_view path) {
  const rapidjson::Value* m = at(v, path);
  INFO("path: " << path);
  REQUIRE(m != nullptr);
  REQUIRE(m->IsString());
  return std::string(m->GetString(), m->GetStringLength());
}

/// The integer at `path`; fails the test when absent or not an integer.
inline std::int64_t int_at(const rapidjson::Value& v, std::string_view path) {
  const rapidjson::Value* m = at(v, path);
  INFO("path: " << path);
  REQUIRE(m != nullptr);
  REQUIRE(m->IsInt64());
  return m->GetInt64();
}

/// Number of members of the object at `path` (fails when it is not an object).
inline std::size_t member_count(const rapidjson::Value& v, std::string_view path = "") {
  const rapidjson::Value* m = at(v, path);
  INFO("path: " << path);
  REQUIRE(m != nullptr);
  REQUIRE(m->IsObject());
  return m->MemberCount();
}

/// The shared spec folder when the corpus is checked out beside the repo; when it
/// is not, says so in one WARN line and returns nullopt (the caller then passes).
inline std::optional<std::filesystem::path> spec_dir() {
  const std::filesystem::path dir = std::filesystem::path(SO_SHARED_DIR) / "spec";
  if (!std::filesystem::is_directory(dir)) {
    WARN("shared spec folder " << dir.string() << " is absent; schema checks skipped");
    return std::nullopt;
  }
  return dir;
}

}  // namespace so::test
