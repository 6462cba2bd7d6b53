// tests/server/ws_identity_support.hpp — test doubles of the authenticator seam and
// helpers for the `/ws` identity tests (tests/server/ws_identity_*_test.cpp,
// tests/server/acl_*_test.cpp).
//
// `map_authenticator` answers inline from a token → principal map; `held_authenticator`
// parks every verification until the test answers it — from another thread — or drops
// it, so the upgrade's re-post and a disconnect during a pending verification can be
// exercised. Thread-safety: both doubles may be called from any thread.
#pragma once

#include "adapters/auth/authenticator.hpp"
#include "adapters/storage/memory_storage.hpp"
#include "tests/server/turn_test_support.hpp"
#include "tests/support/auth/token_verdict.hpp"
#include "tests/support/net/http_probe.hpp"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace so::test::identity {

using namespace std::chrono_literals;
namespace auth = adapters::auth;
using turns::frame;

inline auth::principal make_principal(std::string user, std::string org,
                                      std::optional<std::string> email = std::nullopt,
                                      std::vector<std::string> groups = {}) {
  auth::principal p;
  p.user_id = std::move(user);
  p.org_id = std::move(org);
  p.email = std::move(email);
  p.groups = std::move(groups);
  return p;
}

/// Verifies from a fixed map, inline. Unknown tokens are invalid.
class map_authenticator final : public auth::authenticator {
 public:
  map_authenticator(std::map<std::string, auth::principal> tokens, bool single_user)
      : tokens_(std::move(tokens)), single_user_(single_user) {}
  std::string label() const override { return "test-map"; }
  bool single_user() const override { return single_user_; }
  void authenticate(std::string credential,
                    std::function<void(auth::auth_result)> done) const override {
    calls_.fetch_add(1);
    done(verdict_for(tokens_, credential));
  }
  std::size_t calls() const { return calls_.load(); }

 private:
  std::map<std::string, auth::principal> tokens_;
  bool single_user_;
  mutable std::atomic<std::size_t> calls_{0};
};

/// Parks every verification; the test answers or drops them.
class held_authenticator final : public auth::authenticator {
 public:
  explicit held_authenticator(std::map<std::string, auth::principal> tokens)
      : tokens_(std::move(tokens)) {}
  std::string label() const override { return "test-held"; }
  bool single_user() const override { return false; }
  void authenticate(std::string credential,
                    std::function<void(auth::auth_result)> done) const override {
    std::lock_guard lock(mu_);
    pending_.push_back({std::move(credential), std::move(done)});
    cv_.notify_all();
  }

  /// Waits until `n` verifications are parked.
  bool wait_pending(std::size_t n, std::chrono::milliseconds timeout = 5s) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pending_.size() >= n; });
  }
  /// Answers every parked verification from a new thread (not an io thread), and
  /// waits for that thread.
  void answer_all_from_another_thread() {
    std::vector<entry> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(pending_);
    }
    std::thread([this, batch = std::move(batch)]() mutable {
      for (auto& e : batch) e.done(verdict_for(tokens_, e.credential));
    }).join();
  }
  /// Destroys every parked callback unanswered (a verifier that gave up).
  void drop_all() {
    std::vector<entry> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(pending_);
    }
  }

 private:
  struct entry {
    std::string credential;
    std::function<void(auth::auth_result)> done;
  };
  std::map<std::string, auth::principal> tokens_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::vector<entry> pending_;
};

/// A WebSocket client on `/ws?token=<token>` (no query when empty).
inline std::unique_ptr<ws_client> connect_as(net::server& server, const std::string& token) {
  ws_connect_options o;
  o.port = server.port();
  if (!token.empty()) o.target = "/ws?token=" + token;
  return std::make_unique<ws_client>(o);
}

/// The plain-HTTP answer to a `/ws` upgrade on `target` (101, 401, 503...).
inline http_reply upgrade_reply(std::uint16_t port, const std::string& target) {
  http_connection conn("127.0.0.1", port);
  return conn.request({"GET",
                       target,
                       {{"Connection", "Upgrade"},
                        {"Upgrade", "websocket"},
                        {"Sec-WebSocket-Version", "13"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}},
                       ""});
}

/// create_conversation_session with an optional userEmail; returns the reply frame.
inline frame create(ws_client& ws, const std::string& rid,
                    const std::optional<std::string>& user_email = std::nullopt) {
  std::string text = R"({"action":"create_conversation_session","requestId":)" + turns::quote(rid) +
                     R"(,"agentId":")" + turns::kAgentId + "\"";
  if (user_email) text += R"(,"userEmail":)" + turns::quote(*user_email);
  ws.send_text(text + "}");
  auto f = turns::expect(ws, "immediate_response");
  REQUIRE(f.integer("/status") == 200);
  return f;
}

}  // namespace so::test::identity
