// adapters/knowledge/connectors/ssrf_guard.cpp — see ssrf_guard.hpp.
#include "adapters/knowledge/connectors/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>

namespace so::adapters::connectors {

namespace {

/// The refusal for an IPv4 address (host order), or none.
std::optional<std::string> refuse_v4(std::uint32_t a, bool allow_loopback) {
  const auto in = [a](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == net;
  };
  if (allow_loopback && a == 0x7F000001u) return std::nullopt;
  if (in(0x7F000000u, 8)) return "a loopback address";
  if (a == 0xA9FEA9FEu) return "the cloud metadata address";
  if (in(0xA9FE0000u, 16)) return "a link-local address";
  if (in(0x0A000000u, 8) || in(0xAC100000u, 12) || in(0xC0A80000u, 16)) return "a private address";
  if (in(0x64400000u, 10)) return "a shared (carrier-grade NAT) address";
  if (in(0x00000000u, 8)) return "a 'this network' address";
  if (in(0xC0000000u, 24) || in(0xC6120000u, 15)) return "a special-purpose address";
  if (in(0xE0000000u, 4)) return "a multicast address";
  if (in(0xF0000000u, 4)) return "a reserved address";
  return std::nullopt;
}

std::uint32_t v4_at(const std::array<std::uint8_t, 16>& b, int i) {
  return (std::uint32_t{b[i]} << 24) | (std::uint32_t{b[i + 1]} << 16) |
         (std::uint32_t{b[i + 2]} << 8) | std::uint32_t{b[i + 3]};
}

std::optional<std::string> refuse_v6(const std::array<std::uint8_t, 16>& b, bool allow_loopback) {
  const auto zero = [&](int from, int to) {
    for (int i = from; i < to; ++i)
      if (b[i] != 0) return false;
    return true;
  };
  // Forms that embed an IPv4 address: judged as that address.
  if (zero(0, 10) && b[10] == 0xFF && b[11] == 0xFF) return refuse_v4(v4_at(b, 12), allow_loopback);
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && zero(4, 12))
    return refuse_v4(v4_at(b, 12), allow_loopback);
  if (b[0] == 0x20 && b[1] == 0x02) return refuse_v4(v4_at(b, 2), allow_loopback);
  if (zero(0, 15) && b[15] == 0) return "the unspecified address";
  if (zero(0, 15) && b[15] == 1) return "a loopback address";
  if (zero(0, 12)) return refuse_v4(v4_at(b, 12), allow_loopback);  // ::a.b.c.d (compatible)
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "a link-local address";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return "a site-local address";
  if ((b[0] & 0xFE) == 0xFC) return "a private (unique local) address";
  if (b[0] == 0xFF) return "a multicast address";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ssrf_refusal(std::string_view ip, bool allow_loopback) {
  const std::string text(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1)
    return refuse_v4(ntohl(v4.s_addr), allow_loopback);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 16; ++i) bytes[i] = v6.s6_addr[i];
    return refuse_v6(bytes, allow_loopback);
  }
  return "not an IP address";
}

}  // namespace so::adapters::connectors
