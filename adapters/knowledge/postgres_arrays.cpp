// adapters/knowledge/postgres_arrays.cpp — see postgres_arrays.hpp.
#include "adapters/knowledge/postgres_arrays.hpp"

#include "adapters/storage/storage.hpp"

#include <charconv>
#include <cmath>

namespace so::adapters::pg {

std::string text_array_literal(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string real_array_literal(std::span<const float> values) {
  std::string out;
  out.reserve(values.size() * 4 + 2);
  out.push_back('{');
  char buf[32];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      throw storage_error("embedding value " + std::to_string(i) + " is not a finite number");
    if (i > 0) out.push_back(',');
    const auto r = std::to_chars(buf, buf + sizeof buf, values[i]);
    out.append(buf, r.ptr);
  }
  out.push_back('}');
  return out;
}

std::vector<float> parse_real_array(std::string_view text) {
  const auto bad = [&](const char* why) {
    return storage_error(std::string("unreadable real[] value (") + why + ")");
  };
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') throw bad("not {...}");
  std::string_view body = text.substr(1, text.size() - 2);
  std::vector<float> out;
  if (body.empty()) return out;
  out.reserve(body.size() / 2);
  const char* p = body.data();
  const char* end = body.data() + body.size();
  while (true) {
    float v = 0.0f;
    // PostgreSQL's shortest output ("-0.28867513", "1e-05") is what from_chars reads.
    const auto r = std::from_chars(p, end, v);
    if (r.ec != std::errc()) throw bad("an element is not a number");
    out.push_back(v);
    p = r.ptr;
    if (p == end) break;
    if (*p != ',') throw bad("unexpected character");
    ++p;
  }
  return out;
}

}  // namespace so::adapters::pg
