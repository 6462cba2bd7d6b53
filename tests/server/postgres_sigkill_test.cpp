// tests/server/postgres_sigkill_test.cpp — issue 9 item 8: SIGKILL the server binary
// mid-conversation (a turn streaming), start another process on the same database and
// continue the conversation with its history replayed to the model.
// Needs SMOOTH_AGENT_TEST_DATABASE_URL (tests/support/pg/test_database.hpp).
#include "tests/server/server_test_support.hpp"
#include "tests/support/net/fake_gateway.hpp"
#include "tests/support/pg/test_database.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>

#include <filesystem>

using namespace so::test;
using namespace so::test::srv;
using so::test::pg::fresh_database;

namespace {

so::adapters::llm::script_entry text_entry(std::string text) {
  so::adapters::llm::script_entry e;
  e.what = so::adapters::llm::script_entry::kind::text;
  e.text = std::move(text);
  return e;
}

/// The server binary as a child process; SIGKILLed (if still running) on destruction.
class server_process {
 public:
  server_process(const std::string& database_url, const std::string& gateway_url) {
    const auto binary =
        std::filesystem::read_symlink("/proc/self/exe").parent_path() / "smooth-operator-server";
    REQUIRE(std::filesystem::exists(binary));
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::setenv("SMOOTH_AGENT_PORT", "0", 1);
      ::setenv("SMOOTH_AGENT_BIND", "127.0.0.1", 1);
      ::setenv("SMOOTH_AGENT_STORAGE", "postgres", 1);
      ::setenv("SMOOTH_AGENT_DATABASE_URL", database_url.c_str(), 1);
      ::setenv("SMOOAI_GATEWAY_URL", gateway_url.c_str(), 1);
      ::setenv("SMOOAI_GATEWAY_KEY", "test-key", 1);
      ::setenv("SMOOTH_AGENT_TURN_LEASE_SECS", "1", 1);  // a killed turn's lease expires soon
      ::execl(binary.c_str(), binary.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    // The startup line: "... listening on ws://127.0.0.1:<port>/ws (...)".
    FILE* f = ::fdopen(out[0], "r");
    char line[512] = {0};
    const bool got = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    INFO("startup line: " << line);
    REQUIRE(got);
    const std::string s(line);
    const auto colon = s.find("127.0.0.1:");
    REQUIRE(colon != std::string::npos);
    port_ = static_cast<std::uint16_t>(std::stoi(s.substr(colon + 10)));
  }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process() { kill(); }

  std::uint16_t port() const { return port_; }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("postgres: a SIGKILLed server loses nothing acknowledged and another process continues",
          "[server][postgres]") {
  SO_PG_URL_OR_SKIP(server_url);
  fresh_database db(server_url);

  session_ids s;
  {
    fake_gateway gw({text_entry("first reply"), text_entry("never finished")});
    server_process first(db.url(), gw.base_url());
    auto c = connect_to(first.port());
    s = create_session(c);
    auto done = run_turn(c, s.session_id, "hello there", "t1");
    REQUIRE(str(done, "/type") == "eventual_response");

    // Second turn: the gateway stalls after its first token; kill the server mid-stream.
    gateway_fault stall;
    stall.what = gateway_fault::kind::stall;
    stall.delay = std::chrono::milliseconds(30000);
    gw.push_fault(stall);
    c.send_text(R"({"action":"send_message","requestId":"t2","sessionId":")" + s.session_id +
                R"(","message":"mid turn"})");
    auto ack = next(c);
    REQUIRE(integer(ack, "/status") == 202);
    // The model is streaming this turn (its user message was stored before the call).
    REQUIRE(eventually([&] { return gw.requests().size() == 2; }, 10000ms));
    REQUIRE(gw.wait_events_sent(1, std::chrono::milliseconds(10000)));
    first.kill();
    gw.release();
  }
  // The killed turn left its lease behind (nobody released it).
  so::adapters::pg::connection probe(db.url());
  CHECK_FALSE(probe
                  .exec("lease",
                        "SELECT turn_owner FROM conversation_sessions WHERE session_id = $1",
                        {s.session_id}, "lease")
                  .is_null(0, 0));

  fake_gateway gw2({text_entry("after restart")});
  server_process second(db.url(), gw2.base_url());
  auto c = connect_to(second.port());
  // Everything acknowledged before the kill is there; the unfinished reply is not.
  CHECK(history_of(c, s.session_id) == std::vector<std::string>{"inbound:hello there",
                                                                "outbound:first reply",
                                                                "inbound:mid turn"});
  // Refused with TURN_IN_PROGRESS until the dead process's lease expires (1 s).
  auto done = run_turn_when_free(c, s.session_id, "continue", "t3");
  REQUIRE(str(done, "/type") == "eventual_response");
  const auto reqs = gw2.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].body.find("hello there") != std::string::npos);
  CHECK(reqs[0].body.find("first reply") != std::string::npos);
  CHECK(reqs[0].body.find("mid turn") != std::string::npos);
}
