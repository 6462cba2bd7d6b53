// Tests for the JWKS verifier (admin-auth.md §9): key set parsing, key choice by
// kid, cache TTL and minimum refresh, one fetch shared by concurrent waiters with
// its bound — against a fake fetcher, and the real HTTP fetcher against a local
// HTTP server (rotation by kid, fetch failure, timeout).
#include "adapters/auth/http_jwks_fetcher.hpp"
#include "adapters/auth/jwks_authenticator.hpp"
#include "adapters/auth/jwks_key_set.hpp"
#include "tests/adapters/auth_test_keys.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <mutex>

using namespace so::adapters::auth;
using namespace so::test::auth;
using namespace std::chrono_literals;

namespace {

/// Holds each fetch until the test completes it.
class fake_fetcher final : public jwks_fetcher {
 public:
  void fetch(std::function<void(jwks_fetch_result)> done) override {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(done));
    ++calls_;
  }
  std::size_t calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  /// Completes the oldest pending fetch.
  void complete(jwks_fetch_result r) {
    std::function<void(jwks_fetch_result)> done;
    {
      std::lock_guard lock(mu_);
      REQUIRE_FALSE(pending_.empty());
      done = std::move(pending_.front());
      pending_.erase(pending_.begin());
    }
    done(std::move(r));
  }
  void succeed(const std::string& body) { complete({body, {}}); }
  void fail(const std::string& error) { complete({std::nullopt, error}); }

 private:
  std::mutex mu_;
  std::vector<std::function<void(jwks_fetch_result)>> pending_;
  std::size_t calls_ = 0;
};

std::string key_set(const std::vector<std::string>& jwks) {
  std::string out = R"({"keys":[)";
  for (std::size_t i = 0; i < jwks.size(); ++i) out += (i ? "," : "") + jwks[i];
  return out + "]}";
}

std::string rs_kid(const pkey_ptr& k, const std::string& kid) {
  return rs256_token(k, claims(), R"({"alg":"RS256","kid":")" + kid + "\"}");
}

/// Collects results from callbacks that may run on any thread.
struct results {
  std::mutex mu;
  std::vector<auth_result> got;
  std::function<void(auth_result)> sink() {
    return [this](auth_result r) {
      std::lock_guard lock(mu);
      got.push_back(std::move(r));
    };
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return got.size();
  }
  auth_result at(std::size_t i) {
    std::lock_guard lock(mu);
    return got.at(i);
  }
};

struct fixture {
  std::shared_ptr<fake_fetcher> fetcher = std::make_shared<fake_fetcher>();
  std::shared_ptr<so::protocol::manual_clock> clock =
      std::make_shared<so::protocol::manual_clock>(test_time());
  std::shared_ptr<const jwks_authenticator> auth;
  results res;

  explicit fixture(jwks_options o = {}) { auth = make_jwks_authenticator(fetcher, o, clock); }
  void run(const std::string& token) { auth->authenticate(token, res.sink()); }
};

/// Authenticates and waits for the answer (real I/O).
auth_result await_auth(const authenticator& a, const std::string& token) {
  auto p = std::make_shared<std::promise<auth_result>>();
  auto f = p->get_future();
  a.authenticate(token, [p](auth_result r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("auth jwks key set: parsing, usable keys, kid choice", "[auth][jwks]") {
  const auto doc = key_set({rsa_jwk(rsa_a(), "r1", R"(,"alg":"RS256","use":"sig")"),
                            ec_jwk(ec_a(), "e1"), rsa_jwk(rsa_b(), "bad-alg", R"(,"alg":"ES256")"),
                            rsa_jwk(rsa_b(), "enc", R"(,"use":"enc")"),
                            R"({"kty":"oct","kid":"sym","k":"c2VjcmV0"})",
                            R"({"kty":"EC","crv":"P-384","kid":"p384","x":"AA","y":"AA"})",
                            R"({"kty":"RSA","kid":"broken","n":"!!","e":"AQAB"})", "17"});
  auto set = jwks_key_set::parse(doc);
  REQUIRE(set);
  CHECK(set->size() == 2);
  REQUIRE(set->find(std::string("r1")));
  CHECK(set->find(std::string("r1"))->alg() == jwt_alg::rs256);
  REQUIRE(set->find(std::string("e1")));
  CHECK(set->find(std::string("e1"))->alg() == jwt_alg::es256);
  CHECK_FALSE(set->find(std::string("bad-alg")));
  CHECK_FALSE(set->find(std::string("sym")));
  CHECK_FALSE(set->find(std::nullopt));  // two keys: a kid is needed

  auto one = jwks_key_set::parse(key_set({rsa_jwk(rsa_a(), "")}));
  REQUIRE(one);
  CHECK(one->find(std::nullopt));  // exactly one key: no kid needed

  for (const char* bad : {"", "[]", "{}", R"({"keys":{}})", "not json"}) {
    INFO(bad);
    CHECK_FALSE(jwks_key_set::parse(bad));
  }
  // RSA keys shorter than 2048 bits are refused (RFC 7518 §3.3).
  const pkey_ptr short_rsa(EVP_RSA_gen(1024), EVP_PKEY_free);
  CHECK(jwks_key_set::parse(key_set({rsa_jwk(short_rsa, "short")}))->size() == 0);
  // An off-curve EC point is refused.
  std::string off = ec_jwk(ec_a(), "off");
  const auto ypos = off.find(R"("y":")") + 5;
  off[ypos] = off[ypos] == 'A' ? 'B' : 'A';
  CHECK(jwks_key_set::parse(key_set({off}))->size() == 0);
}

TEST_CASE("auth jwks: verifies RS256 and ES256 tokens by kid after one fetch", "[auth][jwks]") {
  fixture f;
  CHECK(f.auth->label() == "jwks");
  CHECK_FALSE(f.auth->single_user());
  f.run(rs_kid(rsa_a(), "r1"));
  CHECK(f.res.size() == 0);  // waits for the fetch
  REQUIRE(f.fetcher->calls() == 1);
  f.fetcher->succeed(key_set({rsa_jwk(rsa_a(), "r1"), ec_jwk(ec_a(), "e1")}));
  REQUIRE(f.res.size() == 1);
  CHECK(f.res.at(0).outcome == auth_outcome::authenticated);

  f.run(es256_token(ec_a(), claims(), R"({"alg":"ES256","kid":"e1"})"));
  REQUIRE(f.res.size() == 2);  // answered inline from the cache
  CHECK(f.res.at(1).outcome == auth_outcome::authenticated);
  CHECK(f.fetcher->calls() == 1);

  // The key type pins the algorithm: an RS256 header on the EC kid, HS256, none.
  f.run(rs256_token(rsa_a(), claims(), R"({"alg":"RS256","kid":"e1"})"));
  f.run(hs256_token(rsa_jwk(rsa_a(), "r1"), claims(), R"({"alg":"HS256","kid":"r1"})"));
  f.run(signing_input(R"({"alg":"none","kid":"r1"})", claims()) + ".");
  REQUIRE(f.res.size() == 5);
  for (std::size_t i = 2; i < 5; ++i) CHECK(f.res.at(i).reason == "InvalidAlgorithm");
  // Wrong key under a known kid; expired; issuer rules come from options.
  f.run(rs_kid(rsa_b(), "r1"));
  f.run(rs256_token(rsa_a(), claims(R"("role":"admin","org":"o")", test_now - 100),
                    R"({"alg":"RS256","kid":"r1"})"));
  REQUIRE(f.res.size() == 7);
  CHECK(f.res.at(5).reason == "InvalidSignature");
  CHECK(f.res.at(6).reason == "ExpiredSignature");
  CHECK(f.fetcher->calls() == 1);
}

TEST_CASE("auth jwks: without kid the set must hold exactly one key", "[auth][jwks]") {
  fixture f;
  const auto no_kid = rs256_token(rsa_a(), claims());
  f.run(no_kid);
  f.fetcher->succeed(key_set({rsa_jwk(rsa_a(), "only")}));
  REQUIRE(f.res.size() == 1);
  CHECK(f.res.at(0).outcome == auth_outcome::authenticated);

  fixture g;
  g.run(no_kid);
  g.fetcher->succeed(key_set({rsa_jwk(rsa_a(), "r1"), rsa_jwk(rsa_b(), "r2")}));
  REQUIRE(g.res.size() == 1);
  CHECK(g.res.at(0).outcome == auth_outcome::invalid_token);
}

TEST_CASE("auth jwks: rotation by kid refreshes at most every 30 s, TTL 300 s", "[auth][jwks]") {
  fixture f;
  f.run(rs_kid(rsa_a(), "r1"));
  f.fetcher->succeed(key_set({rsa_jwk(rsa_a(), "r1")}));
  REQUIRE(f.res.at(0).outcome == auth_outcome::authenticated);

  // A new kid 10 s later: inside the minimum refresh interval → refused, no fetch.
  f.clock->advance(10s);
  f.run(rs_kid(rsa_b(), "r2"));
  REQUIRE(f.res.size() == 2);
  CHECK(f.res.at(1).reason == "UnknownKid");
  CHECK(f.fetcher->calls() == 1);

  // 30 s after the last fetch: the unknown kid triggers one refresh; the rotated set has it.
  f.clock->advance(20s);
  f.run(rs_kid(rsa_b(), "r2"));
  REQUIRE(f.fetcher->calls() == 2);
  f.fetcher->succeed(key_set({rsa_jwk(rsa_b(), "r2")}));
  REQUIRE(f.res.size() == 3);
  CHECK(f.res.at(2).outcome == auth_outcome::authenticated);
  // The rotated-out key is gone.
  f.run(rs_kid(rsa_a(), "r1"));
  CHECK(f.res.at(3).reason == "UnknownKid");

  // Known kid: cached until the TTL (300 s after the last fetch), then refetched.
  f.clock->advance(299s);
  f.run(rs_kid(rsa_b(), "r2"));
  CHECK(f.res.at(4).outcome == auth_outcome::authenticated);
  CHECK(f.fetcher->calls() == 2);
  f.clock->advance(1s);
  f.run(rs_kid(rsa_b(), "r2"));
  CHECK(f.res.size() == 5);  // waiting for the refresh
  REQUIRE(f.fetcher->calls() == 3);
  f.fetcher->succeed(key_set({rsa_jwk(rsa_b(), "r2")}));
  CHECK(f.res.at(5).outcome == auth_outcome::authenticated);
}

TEST_CASE("auth jwks: a failed fetch fails closed and is retried after 30 s", "[auth][jwks]") {
  fixture f;
  f.run(rs_kid(rsa_a(), "r1"));
  f.fetcher->fail("JWKS fetch failed: HTTP 500");
  REQUIRE(f.res.size() == 1);
  CHECK(f.res.at(0).outcome == auth_outcome::invalid_token);
  CHECK(f.res.at(0).reason == "JwksUnavailable");
  f.clock->advance(29s);
  f.run(rs_kid(rsa_a(), "r1"));
  CHECK(f.res.at(1).reason == "JwksUnavailable");
  CHECK(f.fetcher->calls() == 1);
  f.clock->advance(1s);
  f.run(rs_kid(rsa_a(), "r1"));
  REQUIRE(f.fetcher->calls() == 2);
  f.fetcher->succeed("this is not a key set");  // a bad document is a failure too
  CHECK(f.res.at(2).reason == "JwksUnavailable");
  f.clock->advance(30s);
  f.run(rs_kid(rsa_a(), "r1"));
  f.fetcher->succeed(key_set({rsa_jwk(rsa_a(), "r1")}));
  CHECK(f.res.at(3).outcome == auth_outcome::authenticated);

  // A failed refresh for an unknown kid keeps the still-fresh set.
  f.clock->advance(30s);
  f.run(rs_kid(rsa_b(), "r2"));
  f.fetcher->fail("timeout");
  CHECK(f.res.at(4).reason == "UnknownKid");
  f.run(rs_kid(rsa_a(), "r1"));
  CHECK(f.res.at(5).outcome == auth_outcome::authenticated);
}

TEST_CASE("auth jwks: concurrent verifications share one fetch, the waiter bound refuses",
          "[auth][jwks]") {
  jwks_options o;
  o.max_waiters = 3;
  fixture f(o);
  for (int i = 0; i < 3; ++i) f.run(rs_kid(rsa_a(), "r1"));
  CHECK(f.fetcher->calls() == 1);
  CHECK(f.res.size() == 0);
  // One more than the bound: answered at once, not queued.
  f.run(rs_kid(rsa_a(), "r1"));
  REQUIRE(f.res.size() == 1);
  CHECK(f.res.at(0).reason == "JwksBusy");
  CHECK(f.auth->stats().busy_rejections == 1);
  f.fetcher->succeed(key_set({rsa_jwk(rsa_a(), "r1")}));
  REQUIRE(f.res.size() == 4);
  for (std::size_t i = 1; i < 4; ++i) CHECK(f.res.at(i).outcome == auth_outcome::authenticated);
  CHECK(f.auth->stats().fetches == 1);
}

TEST_CASE("auth jwks: malformed and blank tokens never trigger a fetch", "[auth][jwks]") {
  fixture f;
  f.run("");
  f.run("a.b");
  f.run("not-a-jwt");
  REQUIRE(f.res.size() == 3);
  CHECK(f.res.at(0).outcome == auth_outcome::unauthenticated);
  CHECK(f.res.at(1).outcome == auth_outcome::invalid_token);
  CHECK(f.res.at(2).outcome == auth_outcome::invalid_token);
  CHECK(f.fetcher->calls() == 0);
}

TEST_CASE("auth jwks over HTTP: rotation by kid against a local server", "[auth][jwks][http]") {
  std::mutex mu;
  std::string doc = key_set({rsa_jwk(rsa_a(), "r1")});
  so::test::http_test_server server([&](const so::test::http_test_request& req) {
    so::test::http_test_response r;
    CHECK(req.method == "GET");
    std::lock_guard lock(mu);
    r.body = doc;
    r.content_type = "application/json";
    return r;
  });
  so::test::background_io io;
  auto clock = std::make_shared<so::protocol::manual_clock>(test_time());
  auto auth = make_jwks_authenticator(
      make_http_jwks_fetcher(io.http(), {server.url("/.well-known/jwks.json")}), {}, clock);

  CHECK(await_auth(*auth, rs_kid(rsa_a(), "r1")).outcome == auth_outcome::authenticated);
  CHECK(server.requests().size() == 1);
  CHECK(server.requests().at(0).target == "/.well-known/jwks.json");
  CHECK(await_auth(*auth, rs_kid(rsa_a(), "r1")).outcome == auth_outcome::authenticated);
  CHECK(server.requests().size() == 1);  // cached

  {
    std::lock_guard lock(mu);
    doc = key_set({rsa_jwk(rsa_b(), "r2"), ec_jwk(ec_a(), "e2")});
  }
  clock->advance(31s);
  CHECK(await_auth(*auth, rs_kid(rsa_b(), "r2")).outcome == auth_outcome::authenticated);
  CHECK(server.requests().size() == 2);
  CHECK(await_auth(*auth, es256_token(ec_a(), claims(), R"({"alg":"ES256","kid":"e2"})")).outcome ==
        auth_outcome::authenticated);
  CHECK(await_auth(*auth, rs_kid(rsa_a(), "r1")).reason == "UnknownKid");
}

TEST_CASE("auth jwks over HTTP: a 500 fails closed", "[auth][jwks][http]") {
  so::test::http_test_server server([](const so::test::http_test_request&) {
    so::test::http_test_response r;
    r.status = 500;
    r.body = "boom";
    return r;
  });
  so::test::background_io io;
  auto auth = make_jwks_authenticator(make_http_jwks_fetcher(io.http(), {server.url("/jwks")}), {},
                                      std::make_shared<so::protocol::manual_clock>(test_time()));
  const auto r = await_auth(*auth, rs_kid(rsa_a(), "r1"));
  CHECK(r.outcome == auth_outcome::invalid_token);
  CHECK(r.reason == "JwksUnavailable");
  CHECK(server.requests().size() == 1);
}

TEST_CASE("auth jwks over HTTP: a slow endpoint times out", "[auth][jwks][http]") {
  so::test::http_test_server server([](const so::test::http_test_request&) {
    so::test::http_test_response r;
    r.body = R"({"keys":[]})";
    r.delay = 6s;
    return r;
  });
  so::test::background_io io;
  http_jwks_fetcher_options fo;
  fo.url = server.url("/jwks");
  fo.timeout = 200ms;  // production: 5 s
  auto auth = make_jwks_authenticator(make_http_jwks_fetcher(io.http(), fo), {},
                                      std::make_shared<so::protocol::manual_clock>(test_time()));
  const auto started = std::chrono::steady_clock::now();
  const auto r = await_auth(*auth, rs_kid(rsa_a(), "r1"));
  CHECK(r.reason == "JwksUnavailable");
  // Did not wait for the 6 s answer (generous: a loaded 2-core CI machine).
  CHECK(std::chrono::steady_clock::now() - started < 4s);
}

TEST_CASE("auth jwks over HTTP: a refused connection fails closed", "[auth][jwks][http]") {
  std::string url;
  {
    so::test::http_test_server gone(
        [](const so::test::http_test_request&) { return so::test::http_test_response{}; });
    url = gone.url("/jwks");
  }  // closed: nothing listens on the port now
  so::test::background_io io;
  auto auth = make_jwks_authenticator(make_http_jwks_fetcher(io.http(), {url}), {},
                                      std::make_shared<so::protocol::manual_clock>(test_time()));
  CHECK(await_auth(*auth, rs_kid(rsa_a(), "r1")).reason == "JwksUnavailable");
}
