// tests/server/postgres_restart_test.cpp — issue 9 "stopping the database mid-load and
// starting it again: no crash, clear errors meanwhile, full service afterwards".
//
// The test runs its OWN PostgreSQL (scripts/pg in a temp folder: the shared test server
// cannot be stopped), a server on it, and load clients, each on its own WebSocket and
// thread, looping: create a session, run a turn on it, read a long-lived session's history
// (and, until the database returns, run a turn on that long-lived session too). Then:
//  1. the whole database stops (`scripts/pg stop --keep`): every call now fails with a
//     documented error code and a message, while every WebSocket stays open and pings
//     are answered;
//  2. the database starts again on the same folder and port (`scripts/pg start DIR`):
//     without a server restart, every client completes full iterations again, a
//     conversation from before the outage still has its history, and new sessions and
//     turns work.
// Needs PostgreSQL's server binaries (initdb, pg_ctl): without them it prints one line
// and is skipped locally, and fails under CI=true (.ci/run installs them).
// Load threads never touch Catch (not thread-safe): they record outcomes under a mutex;
// the test thread checks them.
#include "tests/server/server_test_support.hpp"
#include "tests/support/pg/test_database.hpp"

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>

using namespace so::test;
using namespace so::test::srv;
namespace fs = std::filesystem;

namespace {

/// initdb and pg_ctl where scripts/pg looks for them.
bool postgres_binaries_present() {
  if (const char* bin = std::getenv("PGBIN"); bin != nullptr && *bin != '\0')
    return fs::exists(fs::path(bin) / "initdb");
  std::error_code ec;
  for (const auto& version : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(version.path() / "bin" / "initdb") &&
        fs::exists(version.path() / "bin" / "pg_ctl"))
      return true;
  return false;
}

/// Runs `command` with the shell; its exit status and its stdout without the last newline.
std::pair<int, std::string> shell(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return {status, out};
}

/// A PostgreSQL of this test alone (scripts/pg), deleted with the object.
class own_postgres {
 public:
  own_postgres() : script_(fs::path(SO_TESTS_DIR).parent_path() / "scripts" / "pg") {
    char dir[] = "/tmp/so-restart-pg.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    url_ = start();
  }
  own_postgres(const own_postgres&) = delete;
  own_postgres& operator=(const own_postgres&) = delete;
  ~own_postgres() { shell(script_.string() + " stop " + dir_); }

  const std::string& url() const { return url_; }
  /// Starts the server of the folder (again): returns its URL.
  std::string start() {
    auto [status, url] = shell(script_.string() + " start " + dir_);
    INFO("scripts/pg start " << dir_ << ": " << url);
    REQUIRE(status == 0);
    REQUIRE(url.rfind("postgresql://", 0) == 0);
    return url;
  }
  /// Stops the whole database (every connection cut), keeping its folder.
  void stop_keeping_data() {
    auto [status, out] = shell(script_.string() + " stop --keep " + dir_);
    REQUIRE(status == 0);
  }

 private:
  fs::path script_;
  std::string dir_;
  std::string url_;
};

constexpr int load_clients = 4;

/// What the load clients saw, by the phase in which each call was sent: 0 database up (and
/// while it stops), 1 database stopped, 2 starting again and after.
struct load_record {
  using per_client = std::array<std::array<int, 3>, load_clients>;  ///< [client][phase]
  std::mutex mu;
  per_client iterations{};                  ///< full iterations (create, turn, history all fine)
  per_client successes{};                   ///< single calls that succeeded
  per_client errors{};                      ///< documented error events
  std::map<std::string, int> codes;         ///< "<action> <code>" → count (every phase)
  std::vector<std::string> problems;        ///< what must never happen (bounded)
  std::vector<std::string> outage_samples;  ///< a few error texts seen while stopped

  void problem(std::string what) {
    std::lock_guard lock(mu);
    if (problems.size() < 20) problems.push_back(std::move(what));
  }
};

/// Error codes a storage failure may produce, per action (docs/architecture.md, "What a
/// client sees when storage refuses or fails").
const std::map<std::string, std::set<std::string>>& documented_codes() {
  static const std::map<std::string, std::set<std::string>> codes{
      {"create", {"INTERNAL_ERROR", "STORAGE_TIMEOUT", "STORAGE_BUSY"}},
      {"history", {"STORAGE_ERROR", "STORAGE_TIMEOUT", "STORAGE_BUSY"}},
      // A turn's storage failures, and a session whose record could not be read back.
      {"turn",
       {"AGENT_ERROR", "STORAGE_ERROR", "STORAGE_TIMEOUT", "STORAGE_BUSY", "SESSION_NOT_FOUND"}},
  };
  return codes;
}

/// One load client: a WebSocket and a thread.
class load_client {
 public:
  load_client(std::uint16_t port, std::atomic<int>& phase, load_record& rec, int index)
      : port_(port), phase_(phase), rec_(rec), index_(index), thread_([this] { run(); }) {}
  ~load_client() {
    stop_ = true;
    thread_.join();
  }
  load_client(const load_client&) = delete;
  load_client& operator=(const load_client&) = delete;

 private:
  struct reply {
    bool ok = false;
    std::string session_id;
  };

  void run() {
    try {
      ws_connect_options o;
      o.port = port_;
      ws_client c(o);
      // The long-lived session (the database is up when the clients start).
      const auto first = call(c, "create",
                              R"({"action":"create_conversation_session",)"
                              R"("agentId":"agent-load","requestId":")");
      if (!first.ok) return rec_.problem("the first create failed");
      const auto long_lived = first.session_id;
      while (!stop_) {
        const int phase = phase_.load();
        bool all_ok = true;
        const auto created = call(c, "create",
                                  R"({"action":"create_conversation_session",)"
                                  R"("agentId":"agent-load","requestId":")");
        all_ok &= created.ok;
        if (created.ok) all_ok &= turn(c, created.session_id);
        all_ok &= call(c, "history",
                       R"({"action":"get_conversation_messages","sessionId":")" + long_lived +
                           R"(","limit":5,"requestId":")")
                      .ok;
        // Turns on the long-lived session only until the database starts again: a turn cut
        // by the stop may leave that session's turn lease in the database until it expires.
        if (phase_.load() < 2) all_ok &= turn(c, long_lived);
        if (c.closed()) return rec_.problem("client " + std::to_string(index_) + ": closed");
        if (all_ok) {
          std::lock_guard lock(rec_.mu);
          ++slot(rec_.iterations, phase);
        } else {
          std::this_thread::sleep_for(10ms);  // errors come back at once: pace the loop
        }
      }
    } catch (const std::exception& e) {
      rec_.problem("client " + std::to_string(index_) + ": " + e.what());
    }
  }

  int& slot(load_record::per_client& counters, int phase) const {
    return counters[static_cast<std::size_t>(index_)][static_cast<std::size_t>(phase)];
  }

  std::string next_rid() { return "l" + std::to_string(index_) + "-" + std::to_string(++seq_); }

  /// Sends `head` + rid + `"}` and reads until the reply of that rid. Returns ok for an
  /// immediate_response 200 (or 202 followed by eventual_response, for turns).
  reply call(ws_client& c, const std::string& action, const std::string& head) {
    const int phase = phase_.load();
    const auto rid = next_rid();
    c.send_text(head + rid + R"("})");
    return await(c, action, rid, phase);
  }

  bool turn(ws_client& c, const std::string& session_id) {
    const int phase = phase_.load();
    const auto rid = next_rid();
    c.send_text(R"({"action":"send_message","sessionId":")" + session_id +
                R"(","message":"load","requestId":")" + rid + R"("})");
    return await(c, "turn", rid, phase).ok;
  }

  reply await(ws_client& c, const std::string& action, const std::string& rid, int phase) {
    const auto deadline = steady_clock::now() + 20s;
    bool acked = false;
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      auto text = left > 0ms ? c.read(left) : std::nullopt;
      if (!text) {
        rec_.problem(action + " " + rid + ": no reply within 20 s" +
                     (c.closed() ? " (connection closed)" : ""));
        return {};
      }
      rapidjson::Document d;
      d.Parse(text->data(), text->size());
      if (d.HasParseError() || !d.IsObject()) {
        rec_.problem("not JSON: " + *text);
        return {};
      }
      const auto* r = at(d, "/requestId");
      if (r == nullptr || !r->IsString() || rid != r->GetString()) continue;
      const auto* type_value = at(d, "/type");
      const std::string type =
          type_value && type_value->IsString() ? type_value->GetString() : "(no type)";
      if (type == "error") {
        const auto* code = at(d, "/error/code");
        const auto* message = at(d, "/error/message");
        const std::string code_text = code && code->IsString() ? code->GetString() : "";
        const std::string message_text = message && message->IsString() ? message->GetString() : "";
        std::lock_guard lock(rec_.mu);
        ++rec_.codes[action + " " + code_text];
        ++slot(rec_.errors, phase);
        if (documented_codes().at(action).count(code_text) == 0 || message_text.empty()) {
          if (rec_.problems.size() < 20)
            rec_.problems.push_back(action + ": undocumented error: " + *text);
        } else if (phase == 1 && rec_.outage_samples.size() < 6) {
          rec_.outage_samples.push_back(action + " " + code_text + ": " + message_text);
        }
        return {};
      }
      if (type == "immediate_response") {
        const auto* status = at(d, "/status");
        const int s = status && status->IsInt() ? status->GetInt() : 0;
        if (action == "turn" && s == 202 && !acked) {
          acked = true;
          continue;
        }
        if (s != 200) {
          rec_.problem(action + ": unexpected reply: " + *text);
          return {};
        }
        std::lock_guard lock(rec_.mu);
        ++slot(rec_.successes, phase);
        const auto* sid = at(d, "/data/sessionId");
        return {true, sid && sid->IsString() ? sid->GetString() : ""};
      }
      if (type == "eventual_response" && acked) {
        std::lock_guard lock(rec_.mu);
        ++slot(rec_.successes, phase);
        return {true, ""};
      }
      // Stream events of the turn: read on.
    }
  }

  std::uint16_t port_;
  std::atomic<int>& phase_;
  load_record& rec_;
  int index_;
  long seq_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once everything above is set
};

/// Whether every client has counted at least `n` in `phase`.
bool all_reached(load_record& rec, load_record::per_client load_record::*counters, int phase,
                 int n) {
  std::lock_guard lock(rec.mu);
  for (const auto& client : rec.*counters)
    if (client[static_cast<std::size_t>(phase)] < n) return false;
  return true;
}

int total(const load_record::per_client& counters, int phase) {
  int n = 0;
  for (const auto& client : counters) n += client[static_cast<std::size_t>(phase)];
  return n;
}

}  // namespace

TEST_CASE(
    "postgres: the database stops mid-load and starts again, and the server serves throughout",
    "[server][postgres]") {
  if (!postgres_binaries_present()) {
    if (so::test::pg::in_ci()) FAIL("CI=true but PostgreSQL's initdb/pg_ctl are not installed");
    std::printf("skipped (no PostgreSQL server binaries: install postgresql-15): %s\n",
                Catch::getResultCapture().getCurrentTestName().c_str());
    return;
  }
  own_postgres db;
  auto o = scripted_options(scripted_texts(std::vector<std::string>(20000, "ok")));
  o.config.storage = so::adapters::storage_backend::postgres;
  o.config.database_url = db.url();
  so::net::server srv(o);

  // A conversation from before the outage, left alone during the load.
  auto keeper = connect_to(srv);
  const auto kept = create_session(keeper);
  REQUIRE(str(run_turn(keeper, kept.session_id, "before the outage", "k1"), "/type") ==
          "eventual_response");
  const std::vector<std::string> kept_history{"inbound:before the outage", "outbound:ok"};
  REQUIRE(history_of(keeper, kept.session_id) == kept_history);

  std::atomic<int> phase{0};
  load_record rec;
  {
    std::vector<std::unique_ptr<load_client>> clients;
    for (int i = 0; i < load_clients; ++i)
      clients.push_back(std::make_unique<load_client>(srv.port(), phase, rec, i));
    CHECK(eventually([&] { return all_reached(rec, &load_record::iterations, 0, 3); }, 30000ms));

    // 1. The whole database stops (fast shutdown: connections in use are cut).
    db.stop_keeping_data();
    phase = 1;
    CHECK(eventually([&] { return all_reached(rec, &load_record::errors, 1, 6); }, 30000ms));
    expect_alive(keeper, "alive-while-down");  // the server and its WebSockets are up

    // 2. The database starts again on the same folder and port; the server, untouched,
    // serves full iterations again (its pool reconnects with backoff, at most 5 s apart).
    // Phase 2 begins before the start: phase 1 holds only calls made while it was down.
    phase = 2;
    CHECK(db.start() == db.url());
    CHECK(eventually([&] { return all_reached(rec, &load_record::iterations, 2, 3); }, 60000ms));
  }  // the load clients stop here

  {
    std::lock_guard lock(rec.mu);
    std::string seen;
    for (const auto& [code, n] : rec.codes) seen += "\n  " + code + ": " + std::to_string(n);
    for (const auto& e : rec.outage_samples) seen += "\n  while stopped: " + e;
    INFO("errors by action and code:" << seen);
    for (const auto& p : rec.problems) FAIL_CHECK(p);
    CHECK(rec.problems.empty());
    CHECK(total(rec.successes, 1) == 0);  // the database really was away in phase 1
    CHECK(total(rec.errors, 1) >= 6 * load_clients);
    CHECK(!rec.outage_samples.empty());
    CHECK(total(rec.iterations, 2) >= 3 * load_clients);
  }

  // Full service: the old conversation's history is intact, and a new session runs a turn.
  CHECK(history_of(keeper, kept.session_id) == kept_history);
  const auto fresh = create_session(keeper, "agent-after", "r-after");
  CHECK(str(run_turn(keeper, fresh.session_id, "after the outage", "a1"), "/type") ==
        "eventual_response");
  CHECK(history_of(keeper, fresh.session_id) ==
        std::vector<std::string>{"inbound:after the outage", "outbound:ok"});
  CHECK_FALSE(keeper.closed().has_value());
}
