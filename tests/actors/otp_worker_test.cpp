// The OTP workers (actors/otp_worker.hpp): calls run on their own threads, the queue
// bound refuses at once, a call not started by its deadline is never run, and service
// failures come back as their text. Blocking is simulated with a gate; tests wait on
// outcomes, not sleeps.
#include "actors/otp_worker.hpp"
#include "tests/actors/storage_gate.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace so;
using namespace so::actors;
using namespace std::chrono_literals;
namespace auth = so::adapters::auth;

namespace {

/// A service whose every call passes a gate first and counts itself.
class gated_service final : public auth::otp_service {
 public:
  explicit gated_service(std::shared_ptr<test::gate> g) : gate_(std::move(g)) {}
  auth::otp_delivery send_code(const std::string& sid, const auth::otp_contact&) override {
    gate_->pass();
    calls.fetch_add(1);
    if (sid == "boom") throw std::runtime_error("the mail relay refused");
    std::lock_guard lk(mu_);
    thread = std::this_thread::get_id();
    return {"email", "x***@" + sid};
  }
  auth::otp_verdict verify_code(const std::string&, const std::string&) override {
    return auth::otp_verdict::ok();
  }
  std::atomic<int> calls{0};
  std::thread::id worker_thread() const {
    std::lock_guard lk(mu_);
    return thread;
  }

 private:
  std::shared_ptr<test::gate> gate_;
  mutable std::mutex mu_;
  std::thread::id thread;
};

struct outcome {
  bool ok = false;
  std::string text;  ///< the masked destination, or the failure
  std::thread::id caller;
};

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

struct fixture {
  std::shared_ptr<test::gate> gate = std::make_shared<test::gate>();
  std::shared_ptr<gated_service> service = std::make_shared<gated_service>(gate);
  std::shared_ptr<outcomes> out = std::make_shared<outcomes>();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  otp_workers_ptr pool;

  explicit fixture(otp_workers_options o) : pool(std::make_shared<otp_workers>(sys, service, o)) {}
  ~fixture() {
    gate->open();
    pool->stop();
  }

  /// One actor sends one code for `sid` and records the outcome.
  void send(const std::string& sid) {
    // The unused int keeps CAF 0.17.6 from binding a null std::tuple<> (stack.md §12).
    sys.spawn(
        [pool = pool, out = out, sid](caf::event_based_actor* self, int) -> caf::behavior {
          const auto tid = std::this_thread::get_id();
          otp_call<auth::otp_delivery>(
              self, pool,
              [sid](auth::otp_service& s) {
                return s.send_code(sid, auth::otp_contact{std::string("a@b.co"), std::nullopt});
              },
              [self, out, tid](auth::otp_delivery d) {
                out->add({true, d.masked_destination, tid});
                self->quit();
              },
              [self, out, tid](const std::string& e) {
                out->add({false, e, tid});
                self->quit();
              });
          return {[](int) {}};
        },
        0);
  }
};

}  // namespace

TEST_CASE("otp workers: a call runs on a worker thread and answers the caller", "[otp]") {
  fixture fx({1, 4, 5000ms});
  fx.send("s1");
  REQUIRE(fx.out->wait_for(1));
  auto o = fx.out->all().at(0);
  CHECK(o.ok);
  CHECK(o.text == "x***@s1");
  CHECK(fx.service->worker_thread() != o.caller);
  CHECK(fx.pool->waiting() == 0);
}

TEST_CASE("otp workers: a service failure comes back as its text", "[otp]") {
  fixture fx({1, 4, 5000ms});
  fx.send("boom");
  REQUIRE(fx.out->wait_for(1));
  CHECK_FALSE(fx.out->all().at(0).ok);
  CHECK(fx.out->all().at(0).text == "the mail relay refused");
}

TEST_CASE("otp workers: at the queue bound a call is refused at once", "[otp]") {
  fixture fx({1, 1, 5000ms});
  fx.gate->close();
  fx.send("a");  // runs: holds the only worker
  REQUIRE(fx.gate->wait_entered(1));
  fx.send("b");  // waits: the bound is now reached
  fx.send("c");  // refused without queueing
  REQUIRE(fx.out->wait_for(1));
  CHECK_FALSE(fx.out->all().at(0).ok);
  CHECK(fx.out->all().at(0).text == "the verification service is busy");
  fx.gate->open();
  REQUIRE(fx.out->wait_for(3));
  auto all = fx.out->all();
  CHECK(all[1].ok);
  CHECK(all[2].ok);
  CHECK(fx.service->calls == 2);
  CHECK(fx.pool->waiting() == 0);
}

TEST_CASE("otp workers: a call not started by its deadline is never run", "[otp]") {
  fixture fx({1, 4, 500ms});
  fx.gate->close();
  fx.send("a");
  REQUIRE(fx.gate->wait_entered(1));
  fx.send("late");
  // The caller gives up (deadline + 1 s) while the worker is still held.
  REQUIRE(fx.out->wait_for(1, 5s));
  CHECK(fx.out->all().at(0).text == "the verification service did not answer");
  fx.gate->open();
  REQUIRE(fx.out->wait_for(2));
  // A call after both: the worker reached and skipped "late" before it.
  fx.send("after");
  REQUIRE(fx.out->wait_for(3));
  CHECK(fx.out->all().at(2).ok);
  CHECK(fx.service->calls == 2);  // "a" and "after"; "late" never ran
}
