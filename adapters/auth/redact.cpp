// adapters/auth/redact.cpp — see redact.hpp.
#include "adapters/auth/redact.hpp"

#include "adapters/auth/text.hpp"

namespace so::adapters::auth {

std::string redact_token(std::string_view in) {
  const auto q = in.find('?');
  if (q == std::string_view::npos) return std::string(in);
  auto end = in.find('#', q);
  if (end == std::string_view::npos) end = in.size();

  std::string out(in.substr(0, q + 1));
  std::string_view query = in.substr(q + 1, end - q - 1);
  bool first = true;
  while (true) {
    const auto amp = query.find('&');
    const auto param = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const auto eq = param.find('=');
    const auto name = param.substr(0, eq);
    if (lower_ascii(name) == "token" && eq != std::string_view::npos) {
      out.append(name);
      out.append("=[redacted]");
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  out.append(in.substr(end));
  return out;
}

}  // namespace so::adapters::auth
