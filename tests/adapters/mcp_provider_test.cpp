// tests/adapters/mcp_provider_test.cpp — the MCP provider's lifecycle with scripted sessions:
// handshake and paged listing, a failing server skipped and retried with backoff while the
// others work, a disconnect taking the tools away until the reconnect (decisions.md "MCP").
#include "adapters/tools/mcp_provider.hpp"

#include "tests/support/eventually.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>

using namespace so::adapters::tools;
using namespace std::chrono_literals;

namespace {

/// Answers initialize, tools/list (two pages) and tools/call inline; records the methods.
class scripted_session final : public mcp_session {
 public:
  explicit scripted_session(std::vector<std::string> tools) : tools_(std::move(tools)) {}
  void request(const std::string& method, const std::string& params, std::chrono::milliseconds,
               std::function<void(mcp_reply)> done) override {
    {
      std::lock_guard lock(mutex_);
      methods.push_back(method);
    }
    if (method == "initialize") return done({R"({"protocolVersion":"2025-06-18"})", {}, false});
    if (method == "tools/list") {
      // Page 1 holds the first tool, page 2 (cursor "p2") the rest.
      const bool second = params.find("p2") != std::string::npos;
      std::string body = R"({"tools":[)";
      for (std::size_t i = second ? 1 : 0; i < (second ? tools_.size() : 1); ++i) {
        if (body.back() == '}') body.append(",");
        body.append(R"({"name":")").append(tools_[i]);
        body.append(
            R"(","description":"d","inputSchema":{"type":"object","properties":{"x":{}}}})");
      }
      body.append("]");
      if (!second && tools_.size() >= 2) body.append(R"(,"nextCursor":"p2")");
      body.append("}");
      return done({body, {}, false});
    }
    if (method == "tools/call")
      return done({R"({"content":[{"type":"text","text":"called"}]})", {}, false});
    done({std::nullopt, "-32601: Method not found", false});
  }
  void notify(const std::string& method, const std::string&) override {
    std::lock_guard lock(mutex_);
    methods.push_back("notify " + method);
  }
  bool alive() const override { return alive_; }
  std::string close_reason() const override { return alive_ ? "" : "exited with status 1"; }
  void close() override { alive_ = false; }
  void die() { alive_ = false; }

  std::mutex mutex_;
  std::vector<std::string> methods;

 private:
  std::vector<std::string> tools_;
  std::atomic<bool> alive_{true};
};

std::vector<std::string> names(const std::vector<tool_ptr>& tools) {
  std::vector<std::string> out;
  for (const auto& t : tools) out.push_back(t->spec().name);
  return out;
}

mcp_config config_of(std::initializer_list<std::string> servers) {
  mcp_config c;
  for (const auto& s : servers) {
    mcp_server_config e;
    e.name = s;
    e.command = "cmd-" + s;
    c.servers.push_back(e);
  }
  return c;
}

mcp_provider_options fast_retry() {
  mcp_provider_options o;
  o.retry_initial = 20ms;
  o.retry_max = 80ms;
  o.env = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  return o;
}

}  // namespace

TEST_CASE("mcp provider: handshake, every page listed, tools named and callable", "[mcp]") {
  auto session = std::make_shared<scripted_session>(std::vector<std::string>{"a.b", "c"});
  mcp_provider p(
      config_of({"my srv"}), [&](const mcp_server_config&) { return session; }, fast_retry());
  p.start();
  REQUIRE(p.wait_settled(5s));
  auto tools = p.tools_for({});
  CHECK(names(tools) == std::vector<std::string>{"mcp__my_srv__a_b", "mcp__my_srv__c"});
  CHECK(tools[0]->spec().description == "d");
  CHECK(tools[0]->spec().parameters_json == R"({"type":"object","properties":{"x":{}}})");
  {
    std::lock_guard lock(session->mutex_);
    CHECK(session->methods == std::vector<std::string>{"initialize",
                                                       "notify notifications/initialized",
                                                       "tools/list", "tools/list"});
  }
  std::optional<tool_outcome> out;
  tools[0]->invoke("{}", {}, [&](tool_outcome o) { out = std::move(o); });
  REQUIRE(out);
  CHECK(out->text == "called");
  p.shutdown();
  CHECK(p.tools_for({}).empty());
  CHECK_FALSE(session->alive());  // closed at shutdown
}

TEST_CASE("mcp provider: a failing server is skipped and retried with backoff, the rest works",
          "[mcp]") {
  std::atomic<int> broken_attempts{0};
  std::vector<std::chrono::steady_clock::time_point> when;
  std::mutex when_mutex;
  auto good = std::make_shared<scripted_session>(std::vector<std::string>{"echo"});
  auto late = std::make_shared<scripted_session>(std::vector<std::string>{"t"});
  auto connect = [&](const mcp_server_config& e) -> mcp_session_ptr {
    if (e.name == "good") return good;
    {
      std::lock_guard lock(when_mutex);
      when.push_back(std::chrono::steady_clock::now());
    }
    if (++broken_attempts < 4) throw std::runtime_error("cannot start `cmd-flaky`: No such file");
    return late;  // the 4th attempt succeeds
  };
  mcp_provider p(config_of({"flaky", "good"}), connect, fast_retry());
  p.start();
  REQUIRE(p.wait_settled(5s, 1));
  // While `flaky` is down, `good` serves its tools.
  auto st = p.status();
  CHECK(st[1].connected);
  so::test::eventually([&] { return p.status()[0].connected; }, 5s);
  REQUIRE(p.status()[0].connected);
  CHECK(p.status()[0].attempts == 4);
  CHECK(p.status()[0].failures == 3);
  CHECK_THAT(p.status()[0].last_error, Catch::Contains("No such file"));
  CHECK(names(p.tools_for({})) == std::vector<std::string>{"mcp__flaky__t", "mcp__good__echo"});
  // Backoff: the gaps grow (20 ms, 40 ms, 80 ms).
  std::lock_guard lock(when_mutex);
  REQUIRE(when.size() == 4);
  CHECK(when[1] - when[0] >= 20ms);
  CHECK(when[2] - when[1] >= 40ms);
  CHECK(when[3] - when[2] >= 80ms);
}

TEST_CASE("mcp provider: a dead session's tools go away and the server is reconnected", "[mcp]") {
  std::atomic<int> connects{0};
  std::vector<std::shared_ptr<scripted_session>> sessions;
  std::mutex m;
  mcp_provider p(
      config_of({"s"}),
      [&](const mcp_server_config&) {
        auto s = std::make_shared<scripted_session>(std::vector<std::string>{"t"});
        std::lock_guard lock(m);
        sessions.push_back(s);
        ++connects;
        return s;
      },
      fast_retry());
  p.start();
  REQUIRE(p.wait_settled(5s));
  REQUIRE(p.tools_for({}).size() == 1);
  {
    std::lock_guard lock(m);
    sessions[0]->die();
  }
  so::test::eventually([&] { return connects.load() == 2 && p.status()[0].connected; }, 5s);
  CHECK(connects.load() == 2);
  CHECK(p.tools_for({}).size() == 1);
}

TEST_CASE("mcp provider: entries without command or url, and disabled ones, are skipped", "[mcp]") {
  auto c = config_of({"ok"});
  mcp_server_config none;
  none.name = "none";
  c.servers.push_back(none);
  mcp_server_config off;
  off.name = "off";
  off.command = "off-command";
  off.disabled = true;
  c.servers.push_back(off);
  std::atomic<int> calls{0};
  auto session = std::make_shared<scripted_session>(std::vector<std::string>{"t"});
  mcp_provider p(
      c,
      [&](const mcp_server_config&) {
        ++calls;
        return session;
      },
      fast_retry());
  p.start();
  REQUIRE(p.wait_settled(5s));
  CHECK(p.status().size() == 1);
  CHECK(calls.load() == 1);
}
