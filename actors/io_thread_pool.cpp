// actors/io_thread_pool.cpp — see io_thread_pool.hpp.
#include "actors/io_thread_pool.hpp"

#include "net/io_thread_index.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <pthread.h>
#include <sched.h>
#include <string>

namespace so::actors {

namespace asio = boost::asio;

namespace {

/// io_context::run(), except that a thread about to sleep for I/O first yields its core
/// once and looks again. Why: on a machine whose cores are all busy (the server's io
/// threads and its clients, as on a 2-core VM), the thread that would run instead is
/// often the one about to send us the next frame; after the yield we find that frame
/// without a sleep and wake-up (futex, IPI, context switch), which cost more than the
/// frame itself. With a core to spare, sched_yield returns at once: one cheap syscall
/// per sleep. Ping C=50 on 2 cores: 0.82 → ~1.0 of the floor (docs/benchmarks.md).
void run_yielding_before_sleep(asio::io_context& io) {
  while (!io.stopped()) {
    if (io.poll() > 0) continue;
    sched_yield();
    if (io.poll() > 0) continue;
    io.run_one();  // sleeps until something is ready, runs one handler
  }
}

}  // namespace

struct io_thread_pool::guard {
  explicit guard(asio::io_context& io) : work(io.get_executor()) {}
  asio::executor_work_guard<asio::io_context::executor_type> work;
};

io_thread_pool::io_thread_pool(std::size_t threads) {
  if (threads == 0) threads = std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i) {
    // Hint 1: one thread runs this context, so same-thread posts skip the locks
    // and the wake-up of the shared queue.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    raw_.push_back(contexts_.back().get());
    guards_.push_back(std::make_unique<guard>(*contexts_.back()));
  }
}

io_thread_pool::~io_thread_pool() {
  stop();
  destroy_contexts();
}

void io_thread_pool::start() {
  if (!threads_.empty()) return;
  for (std::size_t i = 0; i < raw_.size(); ++i) {
    threads_.emplace_back([io = raw_[i], i] {
      net::stamp_current_io_thread(io, i);
      const std::string name = "so-io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      run_yielding_before_sleep(*io);
    });
  }
}

void io_thread_pool::stop() {
  guards_.clear();
  for (auto& io : contexts_)
    if (io) io->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void io_thread_pool::destroy_contexts() {
  // Destroying a context destroys its queued handlers; whatever they post must no
  // longer reach this pool (the io_scheduler is detached before this is called).
  for (auto& c : contexts_) c.reset();
  raw_.clear();
}

}  // namespace so::actors
