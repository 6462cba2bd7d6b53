// Tests for the HTTP embed-policy provider (adapters/auth/widget_http_provider.hpp) against a
// local HTTP server: every row of the caching table of admin-auth.md §4.2, the URL shape and
// the bearer header; and the cache's TTL and memory bound (widget_policy_cache.hpp).
#include "adapters/auth/widget_http_provider.hpp"
#include "adapters/auth/widget_policy_cache.hpp"
#include "tests/support/net/background_io.hpp"
#include "tests/support/net/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>

using namespace so;
using namespace so::adapters::auth;
using namespace std::chrono_literals;

namespace {

const protocol::time_point t0{std::chrono::seconds(1700000000)};

/// Starts one lookup; the future gets its answer (the callback runs on the I/O thread).
std::future<widget_lookup> lookup_async(const widget_policy_provider& p, const std::string& agent) {
  auto done = std::make_shared<std::promise<widget_lookup>>();
  auto answer = done->get_future();
  p.lookup(agent, [done](widget_lookup l) { done->set_value(std::move(l)); });
  return answer;
}

widget_lookup wait(std::future<widget_lookup>& answer) {
  REQUIRE(answer.wait_for(10s) == std::future_status::ready);
  return answer.get();
}

widget_lookup lookup_sync(const widget_policy_provider& p, const std::string& agent) {
  auto answer = lookup_async(p, agent);
  return wait(answer);
}

/// A policy service whose answer the test sets (under a lock: the server thread reads it).
class policy_service {
 public:
  void set(int status, std::string body, std::chrono::milliseconds delay = 0ms) {
    std::lock_guard lock(mu_);
    answer_.status = status;
    answer_.body = std::move(body);
    answer_.delay = delay;
  }
  std::size_t calls() const { return server.requests().size(); }

 private:
  mutable std::mutex mu_;
  test::http_test_response answer_{
      200, R"({"allowed_origins":["https://good.example.com"],"organization_id":"org-1"})", 0ms,
      "application/json"};

 public:
  test::http_test_server server{[this](const test::http_test_request&) {
    std::lock_guard lock(mu_);
    return answer_;
  }};
};

struct fixture {
  test::background_io io;
  policy_service svc;
  std::shared_ptr<protocol::manual_clock> clock = std::make_shared<protocol::manual_clock>(t0);

  widget_policy_provider_ptr provider(std::chrono::seconds ttl = 60s,
                                      std::optional<std::string> bearer = std::nullopt) {
    widget_http_options o;
    o.base_url = svc.server.url("/policies");
    o.bearer = std::move(bearer);
    o.ttl = ttl;
    return make_http_widget_provider(io.http(), clock, o);
  }
};

}  // namespace

TEST_CASE_METHOD(fixture, "widget http: GETs {base}/{agentId} with the bearer, 2xx is cached",
                 "[widget][http]") {
  auto p = provider(60s, std::string("m2m-token"));
  CHECK_FALSE(p->lookup_now("agent-1"));  // not cached yet
  auto got = lookup_sync(*p, "agent-1");
  REQUIRE(got);
  CHECK(got->allowed_origins == std::vector<std::string>{"https://good.example.com"});
  CHECK(got->organization_id == std::optional<std::string>("org-1"));
  const auto reqs = svc.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "GET");
  CHECK(reqs[0].target == "/policies/agent-1");
  CHECK(reqs[0].header("Authorization") == std::optional<std::string>("Bearer m2m-token"));
  // Within the TTL: no upstream request, and the answer is at hand without I/O.
  clock->advance(59s);
  CHECK(lookup_sync(*p, "agent-1") == got);
  CHECK(p->lookup_now("agent-1") == std::optional<widget_lookup>(got));
  CHECK(svc.calls() == 1);
}

TEST_CASE_METHOD(fixture, "widget http: no Authorization header without a bearer",
                 "[widget][http]") {
  auto p = provider();
  lookup_sync(*p, "a");
  REQUIRE(svc.calls() == 1);
  CHECK_FALSE(svc.server.requests()[0].header("Authorization"));
}

TEST_CASE_METHOD(fixture, "widget http: an entry is stale once its age reaches the TTL",
                 "[widget][http]") {
  auto p = provider(60s);
  lookup_sync(*p, "a");
  clock->advance(60s);
  CHECK(lookup_sync(*p, "a"));
  CHECK(svc.calls() == 2);
}

TEST_CASE_METHOD(fixture, "widget http: a malformed 2xx body is no policy and not cached",
                 "[widget][http]") {
  svc.set(200, GENERATE(std::string("not json"), std::string(R"({"allowed_origins":"*"})"),
                        std::string("[]"), std::string("")));
  auto p = provider();
  CHECK_FALSE(lookup_sync(*p, "a"));
  CHECK_FALSE(lookup_sync(*p, "a"));
  CHECK(svc.calls() == 2);
}

TEST_CASE_METHOD(fixture, "widget http: 404 is a cached 'no policy'", "[widget][http]") {
  svc.set(404, "");
  auto p = provider();
  CHECK_FALSE(lookup_sync(*p, "a"));
  CHECK_FALSE(lookup_sync(*p, "a"));
  CHECK(svc.calls() == 1);
}

TEST_CASE_METHOD(fixture, "widget http: other statuses are no policy and not cached",
                 "[widget][http]") {
  svc.set(GENERATE(500, 503, 401, 403, 302), "{}");
  auto p = provider();
  CHECK_FALSE(lookup_sync(*p, "a"));
  CHECK_FALSE(lookup_sync(*p, "a"));
  CHECK(svc.calls() == 2);
}

TEST_CASE_METHOD(fixture, "widget http: a timeout is no policy and not cached", "[widget][http]") {
  const std::string good = R"({"allowed_origins":["*"]})";
  svc.set(200, good, 3s);
  widget_http_options o;
  o.base_url = svc.server.url("/policies");
  o.timeout = 200ms;  // the production value is 5 s
  auto p = make_http_widget_provider(io.http(), clock, o);
  CHECK_FALSE(lookup_sync(*p, "a"));
  svc.set(200, good);
  CHECK(lookup_sync(*p, "a"));  // asked again, and now answered
  CHECK(svc.calls() == 2);
}

TEST_CASE_METHOD(fixture, "widget http: a network error is no policy and not cached",
                 "[widget][http]") {
  std::string dead_url;
  {
    test::http_test_server gone(
        [](const test::http_test_request&) { return test::http_test_response{}; });
    dead_url = gone.url("/policies");
  }  // nothing listens there now
  widget_http_options o;
  o.base_url = dead_url;
  auto p = make_http_widget_provider(io.http(), clock, o);
  CHECK_FALSE(lookup_sync(*p, "a"));
}

TEST_CASE_METHOD(fixture, "widget http: TTL 0 never reuses an answer", "[widget][http]") {
  auto p = provider(0s);
  CHECK(lookup_sync(*p, "a"));
  CHECK(lookup_sync(*p, "a"));
  CHECK(svc.calls() == 2);
}

TEST_CASE_METHOD(fixture, "widget http: the agent id is one percent-encoded path segment",
                 "[widget][http]") {
  auto p = provider();
  lookup_sync(*p, "a/b c?d#e%f");
  lookup_sync(*p, "..");
  lookup_sync(*p, "ok-_.~Z9");
  const auto reqs = svc.server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].target == "/policies/a%2Fb%20c%3Fd%23e%25f");
  CHECK(reqs[1].target == "/policies/%2E%2E");
  CHECK(reqs[2].target == "/policies/ok-_.~Z9");
}

TEST_CASE_METHOD(fixture, "widget http: an unparseable base URL is no policy, nothing sent",
                 "[widget][http]") {
  widget_http_options o;
  o.base_url = GENERATE(std::string("ftp://policies.example"), std::string("not a url"),
                        std::string("http:///x"));
  auto p = make_http_widget_provider(io.http(), clock, o);
  CHECK_FALSE(lookup_sync(*p, "a"));
}

TEST_CASE_METHOD(fixture, "widget http: concurrent misses for one agent share one call",
                 "[widget][http]") {
  svc.set(200, R"({"allowed_origins":["*"]})", 300ms);
  auto p = provider();
  std::vector<std::future<widget_lookup>> answers;
  for (int i = 0; i < 3; ++i) answers.push_back(lookup_async(*p, "a"));
  for (auto& a : answers) CHECK(wait(a));
  CHECK(svc.calls() == 1);
}

TEST_CASE_METHOD(fixture, "widget http: beyond max_inflight agents a lookup is no policy at once",
                 "[widget][http]") {
  svc.set(200, R"({"allowed_origins":["*"]})", 300ms);
  widget_http_options o;
  o.base_url = svc.server.url("/policies");
  o.max_inflight = 1;
  auto p = make_http_widget_provider(io.http(), clock, o);
  auto first = lookup_async(*p, "a");
  auto second = lookup_async(*p, "b");
  // Answered inline, before the first call could have finished.
  REQUIRE(second.wait_for(0s) == std::future_status::ready);
  CHECK_FALSE(second.get());
  CHECK(wait(first));
  const auto reqs = svc.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].target == "/policies/a");
  CHECK(lookup_sync(*p, "b"));  // the bound frees up once the call ended
}

TEST_CASE("widget http: the URL drops the base's trailing slashes", "[widget]") {
  CHECK(widget_policy_url("https://p.example/v1//", "a") == "https://p.example/v1/a");
  CHECK(widget_policy_url("https://p.example", "a b") == "https://p.example/a%20b");
  CHECK(widget_policy_url("https://p.example/", "\xC3\xA9") == "https://p.example/%C3%A9");
  CHECK(widget_policy_url("https://p.example/", ".") == "https://p.example/%2E");
  CHECK(widget_policy_url("https://p.example/", "...") == "https://p.example/...");
}

// ---- the cache ------------------------------------------------------------------------------

TEST_CASE("widget cache: fresh while the age is less than the TTL", "[widget]") {
  widget_policy_cache c(10s);
  c.put("a", widget_policy{}, t0);
  CHECK(c.get("a", t0 + 9s) == std::optional<widget_lookup>(widget_policy{}));
  CHECK_FALSE(c.get("a", t0 + 10s));
  CHECK(c.size() == 0);  // the stale entry left
}

TEST_CASE("widget cache: a clock stepped back makes an entry stale", "[widget]") {
  widget_policy_cache c(10s);
  c.put("a", std::nullopt, t0);
  CHECK(c.get("a", t0) == std::optional<widget_lookup>(widget_lookup{}));  // a cached "none"
  CHECK_FALSE(c.get("a", t0 - 1s));
}

TEST_CASE("widget cache: TTL 0 stores nothing", "[widget]") {
  widget_policy_cache c(0s);
  c.put("a", widget_policy{}, t0);
  CHECK(c.size() == 0);
  CHECK_FALSE(c.get("a", t0));
}

TEST_CASE("widget cache: at the byte bound the oldest entries are evicted", "[widget]") {
  const std::size_t per_entry = widget_policy_cache::entry_overhead_bytes + 2;  // "a0".."a9"
  widget_policy_cache c(60s, per_entry * 3);
  for (const char* key : {"a0", "a1", "a2", "a3", "a4"}) {
    c.put(key, std::nullopt, t0);
    CHECK(c.get(key, t0));
  }
  CHECK(c.size() == 3);
  CHECK(c.bytes() <= per_entry * 3);
  CHECK_FALSE(c.get("a0", t0 + 5s));
  CHECK_FALSE(c.get("a1", t0 + 5s));
  CHECK(c.get("a2", t0 + 5s));
  CHECK(c.get("a4", t0 + 5s));
  // Replacing an entry does not grow the cache.
  c.put("a4", std::nullopt, t0 + 6s);
  CHECK(c.size() == 3);
}

TEST_CASE("widget cache: an entry larger than the whole bound is not stored", "[widget]") {
  widget_policy_cache c(60s, 1024);
  c.put("small", std::nullopt, t0);
  c.put(std::string(2048, 'x'), std::nullopt, t0);
  CHECK(c.size() == 1);
  CHECK(c.get("small", t0));
}
