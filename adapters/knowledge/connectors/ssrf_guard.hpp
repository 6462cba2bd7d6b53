// adapters/knowledge/connectors/ssrf_guard.hpp — which resolved addresses the web
// connector may connect to (storage-backplane.md §11: "An SSRF guard rejects
// non-http(s), loopback, private, link-local and metadata addresses before any
// request; every redirect hop is re-checked").
//
// The guard judges ADDRESSES (what a host name resolved to, or an IP literal), never
// host names: "localhost", "127.1", "0x7f000001" or a DNS name pointing inside are all
// caught once resolved. Refused:
//  - IPv4: 0.0.0.0/8 (this network), 10/8, 172.16/12, 192.168/16 (private),
//    100.64/10 (shared/CGNAT), 127/8 (loopback), 169.254/16 (link-local, which holds
//    the cloud metadata address 169.254.169.254), 192.0.0/24 (IETF protocol
//    assignments), 198.18/15 (benchmarking), 224/4 (multicast), 240/4 (reserved,
//    broadcast);
//  - IPv6: :: and ::1, fe80::/10 (link-local), fec0::/10 (site-local), fc00::/7
//    (unique local, which holds AWS's fd00:ec2::254 metadata), ff00::/8 (multicast),
//    and every form embedding an IPv4 address judged as that address: ::ffff:a.b.c.d
//    (mapped), ::a.b.c.d (compatible), 64:ff9b::/96 (NAT64), 2002::/16 (6to4).
// `allow_loopback` (a TEST-ONLY switch, off by default) lets exactly 127.0.0.1
// through, so tests can serve pages from a local server; everything else stays
// refused.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace so::adapters::connectors {

/// Why `ip` (an IPv4 or IPv6 literal, no brackets) may not be fetched; none when it
/// may. A text that is not an IP literal is refused too.
std::optional<std::string> ssrf_refusal(std::string_view ip, bool allow_loopback = false);

}  // namespace so::adapters::connectors
