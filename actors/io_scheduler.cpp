// actors/io_scheduler.cpp — see io_scheduler.hpp.
#include "actors/io_scheduler.hpp"

#include "net/io_thread_index.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace so::actors {

namespace asio = boost::asio;

namespace {

// Messages an actor may handle per resume before it goes to the back of its
// io thread's queue, so one busy actor cannot starve the sockets on that thread.
constexpr std::size_t kMaxThroughput = 64;

/// The posted job: owns the reference CAF took for the scheduler. A job that is
/// destroyed without running (its io_context died) cleans the actor up instead.
class resume_job {
 public:
  resume_job(io_scheduler* sched, std::size_t slot, caf::resumable* r)
      : sched_(sched), slot_(slot), r_(r) {}
  resume_job(resume_job&& other) noexcept
      : sched_(other.sched_), slot_(other.slot_), r_(std::exchange(other.r_, nullptr)) {}
  resume_job(const resume_job&) = delete;
  resume_job& operator=(const resume_job&) = delete;
  resume_job& operator=(resume_job&&) = delete;
  ~resume_job() {
    if (r_) caf::scheduler::abstract_coordinator::cleanup_and_release(r_);
  }
  void operator()() { sched_->resume_on(slot_, std::exchange(r_, nullptr)); }

 private:
  io_scheduler* sched_;
  std::size_t slot_;
  caf::resumable* r_;
};

// Size of the last-slot hint table (one byte each): 16 KiB.
constexpr std::size_t kHintSlots = 1 << 14;
// Buckets of the home table (64 bytes each): 512 KiB, 65,536 places, room for the
// connection, session and turn of 20,000 busy connections at a bucket overflow rate
// around 1 %.
constexpr std::size_t kHomeBuckets = 1 << 13;
constexpr std::uint8_t kNoSlot = 0xFF;  // io_threads is at most 64

std::size_t address_hash(const caf::resumable* r) {
  return actor_home_table::hash(r);
}

}  // namespace

/// The execution unit of one io thread: actors spawned or woken from inside a
/// handler on this thread stay on it.
class io_scheduler::unit final : public caf::execution_unit {
 public:
  unit(caf::actor_system& sys, io_scheduler& sched) : caf::execution_unit(&sys), sched_(sched) {}
  void exec_later(caf::resumable* r) override { sched_.enqueue(r); }

 private:
  io_scheduler& sched_;
};

io_scheduler_config::io_scheduler_config(std::vector<asio::io_context*> contexts)
    : io_contexts(std::move(contexts)) {
  if (io_contexts.empty())
    throw std::invalid_argument("io_scheduler needs at least one io_context");
  set("scheduler.max-threads", io_contexts.size());
  set("scheduler.max-throughput", kMaxThroughput);
  load<io_scheduler>();
}

io_scheduler::io_scheduler(caf::actor_system& sys, std::vector<asio::io_context*> contexts)
    : super(sys),
      contexts_(std::move(contexts)),
      last_slot_(std::make_unique<std::atomic<std::uint8_t>[]>(kHintSlots)),
      homes_(kHomeBuckets) {
  if (contexts_.size() >= kNoSlot) throw std::invalid_argument("io_scheduler: too many io threads");
  for (std::size_t i = 0; i < contexts_.size(); ++i)
    units_.push_back(std::make_unique<unit>(sys, *this));
  for (std::size_t i = 0; i < kHintSlots; ++i)
    last_slot_[i].store(kNoSlot, std::memory_order_relaxed);
}

io_scheduler::~io_scheduler() = default;

caf::actor_system::module* io_scheduler::make(caf::actor_system& sys, caf::detail::type_list<>) {
  const auto* cfg = dynamic_cast<const io_scheduler_config*>(&sys.config());
  if (cfg == nullptr)
    throw std::logic_error("io_scheduler is loaded only through io_scheduler_config");
  return new io_scheduler(sys, cfg->io_contexts);
}

io_scheduler* io_scheduler::of(caf::actor_system& sys) {
  return dynamic_cast<io_scheduler*>(&sys.scheduler());
}

void io_scheduler::pin_here(const caf::actor& actor) {
  const auto own = net::own_io_slot(contexts_);
  auto* r = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(actor));
  if (own == static_cast<std::size_t>(-1) || r == nullptr) return;
  homes_.set(r, own);
}

void io_scheduler::pin_like(const caf::actor& actor, const caf::strong_actor_ptr& model) {
  auto* m = model ? dynamic_cast<caf::resumable*>(model->get()) : nullptr;
  auto* r = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(actor));
  if (m == nullptr || r == nullptr) return;
  const auto home = homes_.find(m);
  if (home < contexts_.size()) homes_.set(r, home);
}

void io_scheduler::enqueue(caf::resumable* r) {
  const auto own = net::own_io_slot(contexts_);
  if (own != static_cast<std::size_t>(-1) && attached_.load(std::memory_order_relaxed)) {
    // Our own thread runs this context, so it is alive: no bookkeeping needed. A pinned
    // actor whose home is the other thread moves there in resume_on (one home lookup
    // per wake-up, not one here and one there).
    post(own, r);
    return;
  }
  const auto h = address_hash(r);
  const std::size_t home = homes_.find(r);
  std::size_t slot =
      home < contexts_.size() ? home : last_slot_[h % kHintSlots].load(std::memory_order_relaxed);
  if (slot >= contexts_.size()) slot = h % contexts_.size();
  post_counted(slot, r);
}

void io_scheduler::post_counted(std::size_t slot, caf::resumable* r) {
  // Another thread's context: count the post so detach_io_contexts can wait it out.
  posting_.fetch_add(1);
  if (!attached_.load()) {
    posting_.fetch_sub(1);
    park(r);
    return;
  }
  post(slot, r);
  posting_.fetch_sub(1);
}

void io_scheduler::post(std::size_t slot, caf::resumable* r) {
  asio::post(*contexts_[slot], resume_job{this, slot, r});
}

void io_scheduler::resume_on(std::size_t slot, caf::resumable* r) {
  // Pinned elsewhere after it was posted here (spawned, then pinned): go home first.
  const std::size_t home = homes_.find(r);
  if (home < contexts_.size() && home != slot) return post_counted(home, r);
  auto& hint = last_slot_[address_hash(r) % kHintSlots];
  if (hint.load(std::memory_order_relaxed) != slot)  // read first: no write sharing when stable
    hint.store(static_cast<std::uint8_t>(slot), std::memory_order_relaxed);
  net::begin_actor_run();
  const auto result = r->resume(units_[slot].get(), max_throughput());
  net::end_actor_run();  // sends the frames the run pushed to sockets of this thread
  switch (result) {
    case caf::resumable::resume_later:
      post(slot, r);  // keeps CAF's reference; back of this thread's queue
      break;
    case caf::resumable::done: {
      // A later actor at this address must not inherit the home.
      homes_.erase(r);
      caf::intrusive_ptr_release(r);
      break;
    }
    case caf::resumable::awaiting_message:
    case caf::resumable::shutdown_execution_unit:
      caf::intrusive_ptr_release(r);
      break;
  }
}

void io_scheduler::park(caf::resumable* r) {
  std::lock_guard<std::mutex> lock{parked_mtx_};
  parked_.push_back(r);
}

void io_scheduler::detach_io_contexts() {
  attached_.store(false);
  while (posting_.load() != 0) std::this_thread::yield();
}

void io_scheduler::start() {
  clock_thread_ = std::thread{[this] { clock_.run_dispatch_loop(); }};
  super::start();  // spawns CAF's utility actors (the printer)
}

void io_scheduler::stop() {
  stop_actors();
  clock_.cancel_dispatch_loop();
  if (clock_thread_.joinable()) clock_thread_.join();
  detach_io_contexts();  // no-op when the server already did it
  // Cleaning one actor up may enqueue others (exit messages): loop until none is left.
  for (;;) {
    std::vector<caf::resumable*> batch;
    {
      std::lock_guard<std::mutex> lock{parked_mtx_};
      batch.swap(parked_);
    }
    if (batch.empty()) break;
    for (auto* r : batch) cleanup_and_release(r);
  }
}

}  // namespace so::actors
