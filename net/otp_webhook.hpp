// net/otp_webhook.hpp — the otp_service an operator runs as an HTTP webhook
// (SMOOTH_AGENT_OTP_URL; our addition to later-protocol.md §5, documented in README and
// docs/protocol.md "OTP identity verification").
//
// Every call is one POST of a JSON body to the configured URL (with
// `Authorization: Bearer <SMOOTH_AGENT_OTP_TOKEN>` when a token is set):
//   send:   {"op":"send","sessionId":"…","contact":{"email":"…","phone":"…"}}   (present keys only)
//        ← 2xx {"channel":"email"|"sms","maskedDestination":"…"}
//   verify: {"op":"verify","sessionId":"…","code":"…"}
//        ← 2xx {"verified":true}
//        | 2xx {"verified":false,"attemptsRemaining":n,"error"?:"INVALID_CODE"|"MAX_ATTEMPTS"|
//                "NOT_FOUND"|"EXPIRED","message":"…"}
// The webhook owns codes, attempt counting, lockout and expiry. Anything else (a network
// failure, the deadline `SMOOTH_AGENT_OTP_TIMEOUT_MS`, a non-2xx status, a body that is not
// that shape, over 64 KiB) makes the call throw with a short, client-safe detail (the URL is
// only logged). An unknown `error` code is dropped; a missing `message` becomes
// "Verification failed."; external strings are UTF-8-repaired.
//
// The endpoint is TRUSTED (operator configuration): no SSRF guard.
// Thread-safety: like adapters::json_poster — any non-io thread, concurrently; BLOCKS.
#pragma once

#include "adapters/auth/otp_service.hpp"
#include "adapters/knowledge/json_poster.hpp"

#include <string>

namespace so::net {

struct otp_webhook_options {
  std::string url;
  std::string token;  ///< empty: no Authorization header
};

/// `poster` carries the deadline (net/json_poster.hpp's `timeout`).
adapters::auth::otp_service_ptr make_otp_webhook(adapters::json_poster_ptr poster,
                                                 otp_webhook_options options);

}  // namespace so::net
