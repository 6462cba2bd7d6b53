// adapters/telemetry/trace_ids.cpp — see trace_ids.hpp.
#include "adapters/telemetry/trace_ids.hpp"

#include <openssl/rand.h>

#include <random>

namespace so::adapters::telemetry {

template <std::size_t N>
std::string trace_bytes<N>::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

template <std::size_t N>
trace_bytes<N> trace_bytes<N>::random() {
  trace_bytes out;
  if (RAND_bytes(out.bytes.data(), static_cast<int>(N)) != 1) {
    // OpenSSL's generator failed (never seen in practice): ids need only be unique,
    // not secret, so fall back to the system's entropy source.
    std::random_device rd;
    for (auto& b : out.bytes) b = static_cast<std::uint8_t>(rd());
  }
  if (!out.valid()) out.bytes[N - 1] = 1;  // all zero is "no id" in W3C Trace Context
  return out;
}

template struct trace_bytes<16>;
template struct trace_bytes<8>;

}  // namespace so::adapters::telemetry
