// Storage pool and its call helpers (actors/storage_pool.hpp, actors/storage_calls.hpp):
// inline execution, sharding and order, the queue bound, the per-job deadline,
// error codes, and the knowledge worker's independence. Blocking is simulated
// with gates (tests/actors/storage_gate.hpp); tests wait on outcomes, not sleeps.
#include "actors/storage_pool.hpp"
#include "actors/storage_calls.hpp"
#include "protocol/error_codes.hpp"
#include "tests/actors/storage_gate.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace so;
using namespace so::actors;
using namespace std::chrono_literals;
namespace codes = so::protocol::codes;

namespace {

struct outcome {
  bool ok = false;
  std::string value;
  std::string code;
  std::string text;
  std::thread::id caller_thread;
};

/// What the calling actors got, in arrival order. Thread-safe.
class outcomes {
 public:
  void add(outcome o) {
    std::lock_guard lk(mu_);
    all_.push_back(std::move(o));
    cv_.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return all_.size() >= n; });
  }
  std::vector<outcome> all() const {
    std::lock_guard lk(mu_);
    return all_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<outcome> all_;
};

using job_fn = std::function<std::string(adapters::storage&, adapters::knowledge_base&)>;

std::string this_thread_text() {
  std::ostringstream os;
  os << std::this_thread::get_id();
  return os.str();
}

/// Spawns one actor that submits `jobs` in order with storage_then and records
/// each outcome; it quits after the last one.
void submit(caf::actor_system& sys, storage_pool_ptr pool,
            std::vector<std::pair<storage_route, job_fn>> jobs, std::shared_ptr<outcomes> out) {
  // The unused int keeps CAF 0.17.6 from binding a null std::tuple<> (UBSan, stack.md §12).
  sys.spawn(
      [pool, jobs, out](caf::event_based_actor* self, int) -> caf::behavior {
        auto remaining = std::make_shared<std::size_t>(jobs.size());
        const auto tid = std::this_thread::get_id();
        auto done = [self, out, remaining](outcome o) {
          out->add(std::move(o));
          if (--*remaining == 0) self->quit();
        };
        for (const auto& [route, fn] : jobs)
          storage_then<std::string>(
              self, pool, route, fn,
              [done, tid](std::string v) {
                done({true, v, "", "", tid});
              },
              [done, tid](const storage_failure& f) {
                done({false, "", std::string(f.code), f.message, tid});
              });
        return {[](int) {}};
      },
      0);
}

void submit_one(caf::actor_system& sys, storage_pool_ptr pool, storage_route route, job_fn fn,
                std::shared_ptr<outcomes> out) {
  submit(sys, std::move(pool), {{std::move(route), std::move(fn)}}, std::move(out));
}

storage_pool_options opts(unsigned workers, std::size_t bound,
                          std::chrono::milliseconds timeout = 10s) {
  return storage_pool_options{workers, bound, timeout, 4, nullptr};
}

/// A pool over a gated (blocking) storage and knowledge base; owns the system.
struct fixture {
  std::shared_ptr<test::gate> storage_gate = std::make_shared<test::gate>();
  std::shared_ptr<test::gate> knowledge_gate = std::make_shared<test::gate>();
  /// For jobs that hold their worker (held_at); opened at teardown.
  std::shared_ptr<test::gate> hold = std::make_shared<test::gate>();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  storage_pool_ptr pool;

  explicit fixture(storage_pool_options o, adapters::storage_ptr storage = nullptr) {
    if (!storage) storage = std::make_shared<test::gated_storage>(storage_gate);
    pool = std::make_shared<storage_pool>(
        sys, storage, std::make_shared<test::gated_knowledge>(knowledge_gate), o);
  }
  ~fixture() {
    storage_gate->open();
    knowledge_gate->open();
    hold->open();
    pool->stop();
  }
};

/// A job that holds its worker at `g` (closed by the caller) and then answers `v`.
job_fn held_at(std::shared_ptr<test::gate> g, std::string v) {
  return [g, v](adapters::storage&, adapters::knowledge_base&) {
    g->pass();
    return v;
  };
}

job_fn answer(std::string v) {
  return [v](adapters::storage&, adapters::knowledge_base&) { return v; };
}

/// Two shard keys that land on different workers of an `n`-worker pool.
std::pair<std::string, std::string> keys_on_different_workers(unsigned n) {
  const std::string a = "conv-a";
  for (int i = 0;; ++i) {
    std::string b = "conv-b" + std::to_string(i);
    if (storage_route(a).shard_hash() % n != storage_route(b).shard_hash() % n) return {a, b};
  }
}

/// The thread a job ran on and the thread of the actor that submitted it.
struct job_threads {
  std::string job;
  std::string caller;
};

/// Submits one job answering its own thread's id under `key` and waits for its outcome.
job_threads run_thread_probe(fixture& f, storage_route key) {
  auto job = [](adapters::storage&, adapters::knowledge_base&) { return this_thread_text(); };
  auto out = std::make_shared<outcomes>();
  submit_one(f.sys, f.pool, std::move(key), job, out);
  REQUIRE(out->wait_for(1));
  auto o = out->all()[0];
  REQUIRE(o.ok);
  std::ostringstream caller;
  caller << o.caller_thread;
  return {o.value, caller.str()};
}

}  // namespace

TEST_CASE("storage pool: an adapter that never blocks runs storage jobs inline", "[storage]") {
  SECTION("memory storage: on the caller's thread, before the helper returns") {
    fixture f(opts(4, 16), std::make_shared<adapters::memory_storage>());
    CHECK(f.pool->runs_inline(storage_route("conv-1")));
    const auto threads = run_thread_probe(f, "conv-1");
    CHECK(threads.job == threads.caller);
  }
  SECTION("knowledge jobs always run on the knowledge worker") {
    fixture f(opts(4, 16), std::make_shared<adapters::memory_storage>());
    CHECK_FALSE(f.pool->runs_inline(storage_route(knowledge_lane)));
    const auto threads = run_thread_probe(f, knowledge_lane);
    CHECK(threads.job != threads.caller);
  }
  SECTION("a storage that may block runs on a worker thread") {
    fixture f(opts(4, 16));
    CHECK_FALSE(f.pool->runs_inline(storage_route("conv-1")));
    const auto threads = run_thread_probe(f, "conv-1");
    CHECK(threads.job != threads.caller);
  }
  CHECK_FALSE(adapters::memory_storage().may_block());
}

TEST_CASE("storage pool: one shard key's jobs run one at a time, in submission order",
          "[storage]") {
  fixture f(opts(4, 1024));
  std::mutex mu;
  std::map<std::string, std::vector<int>> order;
  std::map<std::string, int> active;
  std::atomic<int> overlaps{0};
  std::vector<std::pair<storage_route, job_fn>> jobs;
  const std::vector<std::string> keys{"conv-1", "conv-2", "conv-3", "sess-4"};
  for (int i = 0; i < 60; ++i) {
    const auto& key = keys[i % keys.size()];
    jobs.emplace_back(key, [&, key, i](adapters::storage&, adapters::knowledge_base&) {
      {
        std::lock_guard lk(mu);
        if (++active[key] != 1) ++overlaps;
      }
      std::this_thread::yield();  // invite another worker to interleave
      std::lock_guard lk(mu);
      order[key].push_back(i);
      --active[key];
      return std::string("ok");
    });
  }
  auto out = std::make_shared<outcomes>();
  submit(f.sys, f.pool, jobs, out);
  REQUIRE(out->wait_for(jobs.size()));
  std::lock_guard lk(mu);
  CHECK(overlaps == 0);
  for (const auto& key : keys) {
    INFO(key);
    CHECK(order[key].size() == 15);
    CHECK(std::is_sorted(order[key].begin(), order[key].end()));
  }
}

TEST_CASE("storage pool: a blocked worker does not stall other shards", "[storage]") {
  fixture f(opts(2, 16));
  auto [a, b] = keys_on_different_workers(2);
  auto hold = f.hold;
  hold->close();
  auto out = std::make_shared<outcomes>();
  submit_one(f.sys, f.pool, a, held_at(hold, "a"), out);
  REQUIRE(hold->wait_entered(1));
  submit_one(f.sys, f.pool, b, answer("b"), out);
  REQUIRE(out->wait_for(1));
  CHECK(out->all()[0].value == "b");
  hold->open();
  REQUIRE(out->wait_for(2));
  CHECK(out->all()[1].value == "a");
}

TEST_CASE("storage pool: at the queue bound a job is refused at once with STORAGE_BUSY",
          "[storage]") {
  fixture f(opts(1, 2));
  auto hold = f.hold;
  hold->close();
  auto out = std::make_shared<outcomes>();
  submit_one(f.sys, f.pool, "conv-1", held_at(hold, "running"), out);
  REQUIRE(hold->wait_entered(1));  // started: no longer waiting
  // One actor submits in order: two jobs wait, the third is over the bound.
  submit(f.sys, f.pool,
         {{"conv-1", answer("q1")}, {"conv-2", answer("q2")}, {"conv-3", answer("over")}}, out);

  // The refusal arrives while the worker is still held: nothing was queued for it.
  REQUIRE(out->wait_for(1));
  auto busy = out->all()[0];
  CHECK_FALSE(busy.ok);
  CHECK(busy.code == codes::storage_busy);
  CHECK(busy.text ==
        "storage is busy: 2 storage jobs already waiting (SMOOTH_AGENT_STORAGE_QUEUE)");
  CHECK(f.pool->waiting_storage() == 2);

  SECTION("the knowledge worker has its own bound") {
    submit_one(f.sys, f.pool, knowledge_lane, answer("kb"), out);
    REQUIRE(out->wait_for(2));
    CHECK(out->all()[1].value == "kb");
  }
  SECTION("slots free up as jobs start") {
    hold->open();
    REQUIRE(out->wait_for(4));
    submit_one(f.sys, f.pool, "conv-3", answer("later"), out);
    REQUIRE(out->wait_for(5));
    std::vector<std::string> values;
    for (const auto& o : out->all())
      if (o.ok) values.push_back(o.value);
    std::sort(values.begin(), values.end());  // two callers: replies may interleave
    CHECK(values == std::vector<std::string>{"later", "q1", "q2", "running"});
    CHECK(f.pool->waiting_storage() == 0);
  }
  SECTION("post() refuses synchronously too") {
    std::optional<storage_failure> refused;
    f.pool->post(
        "conv-9", [](adapters::storage&, adapters::knowledge_base&) { FAIL("must not run"); },
        [&](storage_failure fail) { refused = fail; });
    REQUIRE(refused);
    CHECK(refused->code == codes::storage_busy);
  }
}

TEST_CASE("storage pool: a job whose deadline passed before it started is not run", "[storage]") {
  fixture f(opts(1, 16, 300ms));
  auto hold = f.hold;
  hold->close();
  auto out = std::make_shared<outcomes>();
  submit_one(f.sys, f.pool, "conv-1", held_at(hold, "running"), out);
  REQUIRE(hold->wait_entered(1));

  std::atomic<bool> b_ran{false}, d_ran{false};
  std::mutex mu;
  std::condition_variable cv;
  std::optional<storage_failure> b_refused;
  bool g_ran = false;
  f.pool->post(
      "conv-1", [&](adapters::storage&, adapters::knowledge_base&) { b_ran = true; },
      [&](storage_failure fail) {
        std::lock_guard lk(mu);
        b_refused = fail;
        cv.notify_all();
      });
  submit_one(
      f.sys, f.pool, "conv-1",
      [&](adapters::storage&, adapters::knowledge_base&) {
        d_ran = true;
        return std::string("d");
      },
      out);

  // Both callers (A's, then D's) give up at their deadlines while the worker is still
  // held; D was submitted after B, so once D's caller gave up B's deadline has passed too.
  REQUIRE(out->wait_for(2));
  for (const auto& o : out->all()) {
    CHECK_FALSE(o.ok);
    CHECK(o.code == codes::storage_timeout);
    CHECK(o.text == "no storage reply within 300 ms (SMOOTH_AGENT_STORAGE_TIMEOUT_MS)");
  }

  hold->open();
  {
    std::unique_lock lk(mu);
    REQUIRE(cv.wait_for(lk, 5s, [&] { return b_refused.has_value(); }));
  }
  CHECK(b_refused->code == codes::storage_timeout);
  CHECK(b_refused->message ==
        "storage job not started within 300 ms "
        "(SMOOTH_AGENT_STORAGE_TIMEOUT_MS)");
  // G runs after D on the same worker: once G ran, D was skipped.
  f.pool->post(
      "conv-1",
      [&](adapters::storage&, adapters::knowledge_base&) {
        std::lock_guard lk(mu);
        g_ran = true;
        cv.notify_all();
      },
      [](storage_failure) {});
  {
    std::unique_lock lk(mu);
    REQUIRE(cv.wait_for(lk, 5s, [&] { return g_ran; }));
  }
  CHECK_FALSE(b_ran);
  CHECK_FALSE(d_ran);
  CHECK(hold->entered() == 1);  // A started in time and ran to its end
  CHECK(out->all().size() == 2);
}

TEST_CASE("storage pool: an adapter error is STORAGE_ERROR with the adapter's text", "[storage]") {
  auto boom = [](adapters::storage&, adapters::knowledge_base&) -> std::string {
    throw adapters::storage_error("disk on fire");
  };
  SECTION("inline") {
    fixture f(opts(1, 4), std::make_shared<adapters::memory_storage>());
    auto out = std::make_shared<outcomes>();
    submit_one(f.sys, f.pool, "conv-1", boom, out);
    REQUIRE(out->wait_for(1));
    CHECK(out->all()[0].code == codes::storage_error);
    CHECK(out->all()[0].text == "disk on fire");
  }
  SECTION("on a worker") {
    fixture f(opts(1, 4));
    auto out = std::make_shared<outcomes>();
    submit_one(f.sys, f.pool, "conv-1", boom, out);
    REQUIRE(out->wait_for(1));
    CHECK(out->all()[0].code == codes::storage_error);
    CHECK(out->all()[0].text == "disk on fire");
  }
  storage_failure adapter{codes::storage_error, "x"}, busy{codes::storage_busy, "y"};
  CHECK(adapter.code_or(codes::internal_error) == codes::internal_error);
  CHECK(busy.code_or(codes::internal_error) == codes::storage_busy);
}

TEST_CASE("storage pool: a slow knowledge query does not stall storage jobs", "[storage]") {
  fixture f(opts(1, 4));
  f.knowledge_gate->close();
  auto out = std::make_shared<outcomes>();
  submit_one(
      f.sys, f.pool, knowledge_lane,
      [](adapters::storage&, adapters::knowledge_base& kb) {
        return std::to_string(kb.query("anything", 3, {}).size());
      },
      out);
  REQUIRE(f.knowledge_gate->wait_entered(1));
  submit_one(
      f.sys, f.pool, "sess-1",
      [](adapters::storage& s, adapters::knowledge_base&) {
        return s.get_session("sess-1") ? std::string("found") : std::string("none");
      },
      out);
  REQUIRE(out->wait_for(1));
  CHECK(out->all()[0].value == "none");
  f.knowledge_gate->open();
  REQUIRE(out->wait_for(2));
  CHECK(out->all()[1].value == "0");
}

TEST_CASE("storage pool: a call without a shard key goes to one fixed worker", "[storage]") {
  fixture f(opts(4, 64));
  auto out = std::make_shared<outcomes>();
  const int n = 8;
  f.sys.spawn(
      [pool = f.pool, out, n](caf::event_based_actor* self, int) -> caf::behavior {
        for (int i = 0; i < n; ++i)
          storage_then<std::string>(
              self, pool,
              [](adapters::storage&, adapters::knowledge_base&) { return this_thread_text(); },
              [out](std::string v) {
                out->add({true, v, "", "", {}});
              },
              [out](const std::string& text) {
                out->add({false, "", "", text, {}});
              });
        return {[](int) {}};
      },
      0);
  REQUIRE(out->wait_for(n));
  for (const auto& o : out->all()) {
    REQUIRE(o.ok);
    CHECK(o.value == out->all()[0].value);  // the same worker thread every time
  }
}

TEST_CASE("storage pool: indexing passes run on their own worker, bounded, never inline",
          "[storage][ingest]") {
  // Memory storage: storage jobs run inline, indexing jobs still on the indexing worker.
  fixture f(storage_pool_options{4, 16, 10s, 2, nullptr}, std::make_shared<adapters::memory_storage>());
  CHECK_FALSE(f.pool->runs_inline(storage_route(indexing_lane)));
  const auto threads = run_thread_probe(f, indexing_lane);
  CHECK(threads.job != threads.caller);
  const auto knowledge = run_thread_probe(f, knowledge_lane);
  CHECK(knowledge.job != threads.job);  // not the knowledge worker either

  // A running pass holds only the indexing worker: retrieval and storage go on.
  auto hold = f.hold;
  hold->close();
  auto out = std::make_shared<outcomes>();
  submit_one(f.sys, f.pool, indexing_lane, held_at(hold, "pass-1"), out);
  REQUIRE(hold->wait_entered(1));
  submit_one(f.sys, f.pool, knowledge_lane, answer("kb"), out);
  REQUIRE(out->wait_for(1));
  CHECK(out->all()[0].value == "kb");

  // Two passes may wait (the bound); a third is refused at once with STORAGE_BUSY.
  auto ran = std::make_shared<std::vector<std::string>>();  // the indexing worker only
  const auto recorded = [ran](std::string v) -> job_fn {
    return [ran, v](adapters::storage&, adapters::knowledge_base&) {
      ran->push_back(v);
      return v;
    };
  };
  submit(f.sys, f.pool,
         {{indexing_lane, recorded("pass-2")},
          {indexing_lane, recorded("pass-3")},
          {indexing_lane, recorded("over")}},
         out);
  REQUIRE(out->wait_for(2));
  const auto busy = out->all()[1];
  CHECK_FALSE(busy.ok);
  CHECK(busy.code == codes::storage_busy);
  CHECK(busy.text == "indexing is busy: 2 indexing passes already waiting");
  CHECK(f.pool->waiting_indexing() == 2);

  // Released: the waiting passes run, in submission order, after the first.
  hold->open();
  REQUIRE(out->wait_for(5));
  std::vector<std::string> values;
  for (const auto& o : out->all())
    if (o.ok) values.push_back(o.value);
  std::sort(values.begin(), values.end());  // two callers: replies may interleave
  CHECK(values == std::vector<std::string>{"kb", "pass-1", "pass-2", "pass-3"});
  CHECK(*ran == std::vector<std::string>{"pass-2", "pass-3"});
  CHECK(f.pool->waiting_indexing() == 0);
}
