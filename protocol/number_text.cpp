// protocol/number_text.cpp — see number_text.hpp.
#include "protocol/number_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace so::protocol {

std::string shortest_double_text(double value) {
  if (!std::isfinite(value)) return "null";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";

  // std::to_chars without precision yields the shortest round-trip digits
  // (closest on ties), the same digits ryu produces; only the layout differs.
  char sci[64];
  const auto res = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  const std::string_view text(sci, static_cast<std::size_t>(res.ptr - sci));  // "-d.ddde-02"

  std::string out;
  std::size_t pos = 0;
  if (text[pos] == '-') {
    out.push_back('-');
    ++pos;
  }
  const std::size_t e = text.find('e');
  std::string digits;
  for (std::size_t i = pos; i < e; ++i) {
    if (text[i] != '.') digits.push_back(text[i]);
  }
  const int exp10 = std::atoi(std::string(text.substr(e + 1)).c_str());

  // ryu's pretty printer: value = digits * 10^k, with 10^(kk-1) <= value < 10^kk.
  const int length = static_cast<int>(digits.size());
  const int kk = exp10 + 1;
  const int k = kk - length;
  if (k >= 0 && kk <= 16) {  // 1234e7 -> 12340000000.0
    out += digits;
    out.append(static_cast<std::size_t>(k), '0');
    out += ".0";
  } else if (kk > 0 && kk <= 16) {  // 1234e-2 -> 12.34
    out += digits.substr(0, static_cast<std::size_t>(kk));
    out.push_back('.');
    out += digits.substr(static_cast<std::size_t>(kk));
  } else if (kk > -5 && kk <= 0) {  // 1234e-6 -> 0.001234
    out += "0.";
    out.append(static_cast<std::size_t>(-kk), '0');
    out += digits;
  } else {  // 1e30, 1.234e33, 1e-7
    out.push_back(digits[0]);
    if (length > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out += std::to_string(kk - 1);
  }
  return out;
}

void write_double(json_writer& w, double value) {
  const std::string text = shortest_double_text(value);
  write_raw(w, text, std::isfinite(value) ? rapidjson::kNumberType : rapidjson::kNullType);
}

}  // namespace so::protocol
