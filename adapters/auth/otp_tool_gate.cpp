// adapters/auth/otp_tool_gate.cpp — see otp_tool_gate.hpp.
#include "adapters/auth/otp_tool_gate.hpp"

namespace so::adapters::auth {

otp_tool_gate::otp_tool_gate(const std::vector<std::string>& entries) {
  for (const auto& e : entries) {
    const auto colon = e.rfind(':');
    std::string name = colon == std::string::npos ? e : e.substr(0, colon);
    const std::string level = colon == std::string::npos ? "end_user" : e.substr(colon + 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.empty()) throw std::invalid_argument("'" + e + "' names no tool");
    tool_auth_level l;
    if (level == "end_user")
      l = tool_auth_level::end_user;
    else if (level == "admin")
      l = tool_auth_level::admin;
    else if (level == "none")
      l = tool_auth_level::none;
    else  // a typo must not silently open a tool
      throw std::invalid_argument("'" + e + "': the level must be end_user, admin or none");
    levels_[name] = l;
  }
}

std::optional<tool_refusal> otp_tool_gate::check(const std::string& tool, bool verified) const {
  auto it = levels_.find(tool);
  if (it == levels_.end()) return std::nullopt;
  switch (it->second) {
    case tool_auth_level::none:
      return std::nullopt;
    case tool_auth_level::admin:
      return tool_refusal{"blocked by hook: Tool '" + tool +
                              "' requires admin authentication and is not available on "
                              "public-facing agents.",
                          false};
    case tool_auth_level::end_user:
      if (verified) return std::nullopt;
      return tool_refusal{"blocked by hook: I need to verify your identity before I can use " +
                              tool + ". Please verify with a one-time code.",
                          true};
  }
  return std::nullopt;
}

bool otp_verified(const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find(otp_verified_key);
  return it != metadata.end() && it->second == "true";
}

}  // namespace so::adapters::auth
