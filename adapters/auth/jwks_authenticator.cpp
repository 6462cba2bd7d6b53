// adapters/auth/jwks_authenticator.cpp — see jwks_authenticator.hpp.
#include "adapters/auth/jwks_authenticator.hpp"

#include "adapters/auth/jwks_key_set.hpp"
#include "adapters/auth/text.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace so::adapters::auth {

namespace {

auth_result invalid(std::string reason) {
  return {auth_outcome::invalid_token, std::nullopt, std::move(reason)};
}

struct waiter {
  compact_jws jws;
  std::function<void(auth_result)> done;
};

/// Shared with in-flight fetch callbacks, so it outlives the authenticator if needed.
class jwks_cache : public std::enable_shared_from_this<jwks_cache> {
 public:
  jwks_cache(jwks_fetcher_ptr fetcher, jwks_options o, protocol::clock_ptr clock)
      : fetcher_(std::move(fetcher)), opts_(std::move(o)), clock_(std::move(clock)) {}

  void authenticate(const std::string& credential, std::function<void(auth_result)> done) {
    const auto token = trim_ascii(credential);
    if (token.empty()) return done({auth_outcome::unauthenticated, std::nullopt, "no token"});
    std::string reason;
    auto jws = parse_compact_jws(token, reason);
    if (!jws) return done(invalid(std::move(reason)));

    std::shared_ptr<const jwks_key_set> keys;
    {
      std::unique_lock lock(mu_);
      const auto now = clock_->now();
      const bool fresh = keys_ && now - fetched_at_ < opts_.cache_ttl;
      if (fresh && keys_->find(jws->kid)) {
        keys = keys_;
      } else if (in_flight_) {
        return enqueue(lock, std::move(*jws), std::move(done));
      } else if (!last_attempt_ || now - *last_attempt_ >= opts_.min_refresh) {
        in_flight_ = true;
        last_attempt_ = now;
        ++stats_.fetches;
        waiters_.push_back({std::move(*jws), std::move(done)});
        lock.unlock();
        start_fetch();
        return;
      } else {
        lock.unlock();
        return done(invalid(fresh ? "UnknownKid" : "JwksUnavailable"));
      }
    }
    done(verify_with(*keys, *jws));
  }

  jwks_stats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  void enqueue(std::unique_lock<std::mutex>& lock, compact_jws jws,
               std::function<void(auth_result)> done) {
    if (waiters_.size() >= opts_.max_waiters) {
      ++stats_.busy_rejections;
      lock.unlock();
      return done(invalid("JwksBusy"));
    }
    waiters_.push_back({std::move(jws), std::move(done)});
  }

  void start_fetch() {
    fetcher_->fetch([self = shared_from_this()](jwks_fetch_result r) { self->on_fetched(r); });
  }

  void on_fetched(const jwks_fetch_result& r) {
    std::optional<jwks_key_set> parsed;
    std::string error = r.error;
    if (r.body) {
      parsed = jwks_key_set::parse(*r.body);
      if (!parsed) error = "JWKS document is not a key set";
    }
    if (!parsed) spdlog::warn("auth: JWKS refresh failed: {}", error);

    std::vector<waiter> waiting;
    std::shared_ptr<const jwks_key_set> keys;
    {
      std::lock_guard lock(mu_);
      in_flight_ = false;
      const auto now = clock_->now();
      if (parsed) {
        keys_ = std::make_shared<const jwks_key_set>(std::move(*parsed));
        fetched_at_ = now;
      }
      if (keys_ && now - fetched_at_ < opts_.cache_ttl) keys = keys_;
      waiting.swap(waiters_);
    }
    for (auto& w : waiting) w.done(keys ? verify_with(*keys, w.jws) : invalid("JwksUnavailable"));
  }

  auth_result verify_with(const jwks_key_set& keys, const compact_jws& jws) const {
    const auto* key = keys.find(jws.kid);
    if (!key)
      return invalid(jws.kid ? "UnknownKid"
                             : "InvalidToken: no kid, and the JWKS does not hold exactly one key");
    return verify_jws(jws, *key, opts_.rules, clock_->now());
  }

  const jwks_fetcher_ptr fetcher_;
  const jwks_options opts_;
  const protocol::clock_ptr clock_;

  mutable std::mutex mu_;
  std::shared_ptr<const jwks_key_set> keys_;
  protocol::time_point fetched_at_{};
  std::optional<protocol::time_point> last_attempt_;
  bool in_flight_ = false;
  std::vector<waiter> waiters_;  ///< bounded by opts_.max_waiters
  jwks_stats stats_;
};

class jwks_authenticator_impl final : public jwks_authenticator {
 public:
  explicit jwks_authenticator_impl(std::shared_ptr<jwks_cache> cache) : cache_(std::move(cache)) {}
  std::string label() const override { return "jwks"; }
  bool single_user() const override { return false; }
  void authenticate(std::string credential, std::function<void(auth_result)> done) const override {
    cache_->authenticate(credential, std::move(done));
  }
  jwks_stats stats() const override { return cache_->stats(); }

 private:
  std::shared_ptr<jwks_cache> cache_;
};

}  // namespace

std::shared_ptr<const jwks_authenticator> make_jwks_authenticator(jwks_fetcher_ptr fetcher,
                                                                  jwks_options options,
                                                                  protocol::clock_ptr clock) {
  if (!clock) clock = std::make_shared<protocol::system_clock>();
  return std::make_shared<jwks_authenticator_impl>(
      std::make_shared<jwks_cache>(std::move(fetcher), std::move(options), std::move(clock)));
}

}  // namespace so::adapters::auth
