// io_scheduler: CAF actors resumed on the io threads (actors/io_scheduler.hpp).
#include "actors/io_scheduler.hpp"
#include "actors/io_thread_pool.hpp"
#include "net/io_thread_index.hpp"
#include "tests/actors/io_runtime.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

using namespace so::actors;
using namespace std::chrono_literals;

namespace {

using where_atom = caf::atom_constant<caf::atom("where")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using go_atom = caf::atom_constant<caf::atom("go")>;

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

/// Answers `where` with the io slot it runs on.
caf::behavior where_actor(caf::event_based_actor*, const io_runtime* rt) {
  return {[rt](where_atom) { return rt->my_slot(); }};
}

/// Reports the slot of every `tick` it handles to a promise, once.
caf::behavior reporter(caf::event_based_actor* self, const io_runtime* rt,
                       std::shared_ptr<std::promise<std::size_t>> out) {
  return {[=](tick_atom) {
    out->set_value(rt->my_slot());
    self->quit();
  }};
}

/// A `where_actor` spawned and pinned on io thread `slot` (as a connection actor is on
/// its socket's thread).
caf::actor spawn_pinned(io_runtime& rt, std::size_t slot) {
  std::promise<caf::actor> spawned;
  boost::asio::post(rt.pool.context(slot), [&] {
    auto a = rt.sys->spawn(where_actor, &rt);
    io_scheduler::of(*rt.sys)->pin_here(a);
    spawned.set_value(a);
  });
  return spawned.get_future().get();
}

/// Spawns, on io thread `slot`, an actor pinned like `model`, and answers the slot
/// where it first ran.
std::size_t first_slot_when_pinned_like(io_runtime& rt, std::size_t slot, const caf::actor& model) {
  auto started = std::make_shared<std::promise<std::size_t>>();
  auto fut = started->get_future();
  boost::asio::post(rt.pool.context(slot), [&rt, model, started] {
    auto a = rt.sys->spawn(
        [&rt, started](caf::event_based_actor* self, int) -> caf::behavior {
          started->set_value(rt.my_slot());
          self->quit();
          return {};
        },
        0);
    io_scheduler::of(*rt.sys)->pin_like(a, caf::actor_cast<caf::strong_actor_ptr>(model));
  });
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  return fut.get();
}

}  // namespace

TEST_CASE("the io scheduler runs actors on io threads, without CAF workers", "[actors][io]") {
  io_runtime rt{2};
  REQUIRE(io_scheduler::of(*rt.sys) != nullptr);
  CHECK(io_scheduler::of(*rt.sys)->io_threads() == 2);
  auto a = rt.sys->spawn(where_actor, &rt);
  caf::scoped_actor self{*rt.sys};
  std::size_t slot = kNone;
  self->request(a, 5s, where_atom::value)
      .receive([&](std::size_t s) { slot = s; }, [](caf::error&) { FAIL("no reply"); });
  CHECK(slot < 2);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("an actor woken from an io thread runs on that thread", "[actors][io]") {
  io_runtime rt{2};
  for (std::size_t slot : {0u, 1u, 1u, 0u}) {
    auto done = std::make_shared<std::promise<std::size_t>>();
    auto fut = done->get_future();
    // lazy_init: the actor starts idle, so the first message decides where it runs.
    auto a = rt.sys->spawn<caf::lazy_init>(reporter, &rt, done);
    // Wake it from io thread `slot`: the actor must run there, not on its home.
    boost::asio::post(rt.pool.context(slot), [a] { caf::anon_send(a, tick_atom::value); });
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    CHECK(fut.get() == slot);
  }
}

TEST_CASE("a pinned actor runs on its home, whichever io thread wakes it", "[actors][io]") {
  io_runtime rt{2};
  auto a = spawn_pinned(rt, 0);
  // Woken from io thread 1 (a reply from a shared actor running there): still slot 0.
  for (int i = 0; i < 4; ++i) {
    std::promise<std::size_t> answer;
    boost::asio::post(rt.pool.context(1), [&] {
      // The unused int: a function actor without arguments makes CAF bind its null
      // tuple, which UBSan reports (stack.md).
      rt.sys->spawn(
          [&answer, a](caf::event_based_actor* self, int) {
            self->request(a, 5s, where_atom::value).then([&answer, self](std::size_t s) {
              answer.set_value(s);
              self->quit();
            });
          },
          0);
    });
    auto fut = answer.get_future();
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    CHECK(fut.get() == 0);
  }
  // An unpinned actor woken the same way runs next to its waker instead.
  auto done = std::make_shared<std::promise<std::size_t>>();
  auto fut = done->get_future();
  auto b = rt.sys->spawn<caf::lazy_init>(reporter, &rt, done);
  boost::asio::post(rt.pool.context(1), [b] { caf::anon_send(b, tick_atom::value); });
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get() == 1);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("an actor pinned like another moves to that home before it first runs", "[actors][io]") {
  io_runtime rt{2};
  auto model = spawn_pinned(rt, 0);  // a connection actor
  // Spawned on io thread 1 (a session by the directory running there, a turn by a
  // session): already posted to thread 1, yet it must first run on thread 0.
  for (int i = 0; i < 4; ++i) CHECK(first_slot_when_pinned_like(rt, 1, model) == 0);
  // Pinned like an unpinned actor: nothing changes (it starts where it was spawned).
  auto plain = rt.sys->spawn<caf::lazy_init>(where_actor, &rt);
  CHECK(first_slot_when_pinned_like(rt, 1, plain) == 1);
  caf::anon_send_exit(model, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(plain, caf::exit_reason::user_shutdown);
}

TEST_CASE("an actor spawned on an io thread starts there", "[actors][io]") {
  io_runtime rt{2};
  auto started = std::make_shared<std::promise<std::size_t>>();
  auto fut = started->get_future();
  boost::asio::post(rt.pool.context(1), [&rt, started] {
    rt.sys->spawn(
        [&rt, started](caf::event_based_actor* self, int) -> caf::behavior {
          started->set_value(rt.my_slot());
          self->quit();
          return {};
        },
        0);
  });
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get() == 1);
}

TEST_CASE("an actor woken from a foreign thread runs on an io thread", "[actors][io]") {
  io_runtime rt{2};
  auto done = std::make_shared<std::promise<std::size_t>>();
  auto fut = done->get_future();
  auto a = rt.sys->spawn(reporter, &rt, done);
  std::thread([a] { caf::anon_send(a, tick_atom::value); }).join();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get() < 2);
}

TEST_CASE("an actor woken from a foreign thread runs where it last ran", "[actors][io]") {
  io_runtime rt{2};
  // Eight actors first run on io thread 1; a later wake-up from a foreign thread (a
  // storage worker's reply) must bring each back there, not to a hashed home.
  std::vector<caf::actor> actors;
  for (int i = 0; i < 8; ++i) {
    auto first = std::make_shared<std::promise<std::size_t>>();
    auto fut = first->get_future();
    auto a = rt.sys->spawn<caf::lazy_init>(
        [&rt, first](caf::event_based_actor*, int) -> caf::behavior {
          return {[&rt, first](tick_atom) { first->set_value(rt.my_slot()); },
                  [&rt](where_atom) { return rt.my_slot(); }};
        },
        0);
    boost::asio::post(rt.pool.context(1), [a] { caf::anon_send(a, tick_atom::value); });
    REQUIRE(fut.wait_for(5s) == std::future_status::ready);
    REQUIRE(fut.get() == 1);
    actors.push_back(a);
  }
  caf::scoped_actor self{*rt.sys};  // the test thread is not an io thread
  for (auto& a : actors) {
    std::size_t slot = kNone;
    self->request(a, 5s, where_atom::value)
        .receive([&](std::size_t s) { slot = s; }, [](caf::error&) { FAIL("no reply"); });
    CHECK(slot == 1);
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
}

TEST_CASE("cross-thread messages arrive complete and in order", "[actors][io]") {
  io_runtime rt{2};
  // A sink on one thread, fed by senders on both threads and a foreign one.
  struct seen {
    std::vector<int> from[3];
  };
  auto s = std::make_shared<seen>();
  auto sink = rt.sys->spawn(
      [s](caf::event_based_actor*, int) -> caf::behavior {
        return {[s](int who, int i) { s->from[who].push_back(i); },
                [s](caf::get_atom) {
                  return s->from[0].size() + s->from[1].size() + s->from[2].size();
                }};
      },
      0);
  constexpr int kEach = 5000;
  for (int who : {0, 1})
    boost::asio::post(rt.pool.context(static_cast<std::size_t>(who)), [sink, who] {
      for (int i = 0; i < kEach; ++i) caf::anon_send(sink, who, i);
    });
  std::thread([sink] {
    for (int i = 0; i < kEach; ++i) caf::anon_send(sink, 2, i);
  }).join();
  caf::scoped_actor self{*rt.sys};
  std::size_t total = 0;
  for (int tries = 0; tries < 500 && total < 3 * kEach; ++tries)
    self->request(sink, 5s, caf::get_atom::value)
        .receive([&](std::size_t n) { total = n; }, [](caf::error&) { FAIL("no reply"); });
  REQUIRE(total == 3 * kEach);
  for (const auto& v : s->from) {
    REQUIRE(v.size() == static_cast<std::size_t>(kEach));
    for (int i = 0; i < kEach; ++i) REQUIRE(v[static_cast<std::size_t>(i)] == i);
  }
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

TEST_CASE("request timeouts and delayed sends fire on the io scheduler", "[actors][io]") {
  io_runtime rt{2};
  auto silent = rt.sys->spawn(
      [](caf::event_based_actor* self, int) -> caf::behavior {
        self->set_default_handler(caf::skip);  // never answers
        return {[](caf::ok_atom) {}};
      },
      0);
  auto result = std::make_shared<std::promise<std::string>>();
  auto fut = result->get_future();
  const auto t0 = std::chrono::steady_clock::now();
  rt.sys->spawn(
      [silent, result](caf::event_based_actor* self, int) {
        self->request(silent, 50ms, go_atom::value)
            .then([result](caf::ok_atom) { result->set_value("answered"); },
                  [self, result](caf::error& e) {
                    if (e != caf::sec::request_timeout) {
                      result->set_value("wrong error");
                      return;
                    }
                    // Timed out; now a delayed send to itself must arrive too.
                    self->delayed_send(self, 30ms, tick_atom::value);
                    self->become([self, result](tick_atom) {
                      result->set_value("timeout+delayed");
                      self->quit();
                    });
                  });
      },
      0);
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get() == "timeout+delayed");
  CHECK(std::chrono::steady_clock::now() - t0 >= 80ms);
  caf::anon_send_exit(silent, caf::exit_reason::kill);
}

TEST_CASE("a request with a later deadline does not wake the clock thread", "[actors][io]") {
  io_runtime rt{1};
  auto& clock = io_scheduler::of(*rt.sys)->clock();
  auto echo = rt.sys->spawn(
      [](caf::event_based_actor*, int) -> caf::behavior { return {[](int x) { return x; }}; }, 0);
  // An early deadline first (a delayed message 10 s out): the clock sleeps towards it.
  auto parked = rt.sys->spawn(
      [](caf::event_based_actor*, int) -> caf::behavior { return {[](tick_atom) {}}; }, 0);
  caf::delayed_anon_send(parked, 10s, tick_atom::value);
  caf::scoped_actor self{*rt.sys};
  self->request(echo, 5s, 0).receive([](int) {}, [](caf::error&) { FAIL("no reply"); });
  const auto before = clock.notifications();
  // 200 requests from an actor, each with a 30 s timeout (later than 10 s): no wake-ups.
  auto done = std::make_shared<std::promise<int>>();
  auto fut = done->get_future();
  rt.sys->spawn(
      [echo, done](caf::event_based_actor* self, int) {
        auto sum = std::make_shared<int>(0);
        for (int i = 1; i <= 200; ++i)
          self->request(echo, 30s, i).then([=](int x) {
            *sum += x;
            if (x == 200) done->set_value(*sum);
          });
      },
      0);
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get() == 200 * 201 / 2);
  CHECK(clock.notifications() == before);
  for (auto& a : {echo, parked}) caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("shutdown with work still queued neither hangs nor leaks", "[actors][io]") {
  // The io threads never start: everything spawned and sent stays queued in the
  // io_contexts until they are destroyed.
  auto rt = std::make_unique<io_runtime>(2, /*start=*/false);
  std::vector<caf::actor> actors;
  for (int i = 0; i < 50; ++i) {
    actors.push_back(rt->sys->spawn(
        [](caf::event_based_actor*, int) -> caf::behavior { return {[](int) {}}; }, 0));
    caf::anon_send(actors.back(), i);
    caf::delayed_anon_send(actors.back(), 1h, i);  // pending in the clock
  }
  actors.clear();
  // CAF 0.17 pins its logger in every thread that spawned, and ~actor_system waits
  // for it: this thread lets go so the system can die on the helper thread.
  caf::logger::set_current_actor_system(nullptr);
  auto finished = std::async(std::launch::async, [&] {
    rt->pool.stop();
    io_scheduler::of(*rt->sys)->detach_io_contexts();
    rt->pool.destroy_contexts();  // queued jobs clean their actors up
    rt->sys.reset();              // must not wait for actors that never ran
  });
  REQUIRE(finished.wait_for(20s) == std::future_status::ready);
  finished.get();
}
