// tests/net/end_of_actor_run_test.cpp — frames an actor pushes to a socket of its own io
// thread wait for the end of the actor's run (net/io_thread_index.hpp, end_actor_run)
// and then leave together, in order, also with frames pushed meanwhile from elsewhere.
//
// The layer above plays the io scheduler: on "burst" it stamps its thread as the
// listener's io thread, begins an actor run, pushes three frames, and ends the run only
// when the test says so.
#include "net/io_thread_index.hpp"
#include "tests/support/net/listener_fixture.hpp"
#include "tests/support/net/ws_client.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;
using so::net::event_sink_ptr;
using so::net::make_frame;

struct run_control {
  const boost::asio::io_context* io = nullptr;
  std::promise<event_sink_ptr> pushed;  // the run pushed its frames (and its sink)
  std::promise<void> end_run;           // the test lets the run end
};

class actor_like_handler final : public so::net::inbound_handler {
 public:
  actor_like_handler(std::shared_ptr<run_control> control, event_sink_ptr sink)
      : control_(std::move(control)), sink_(std::move(sink)) {}

  void on_text(std::string text) override {
    sink_->release_inbound(text.size());
    if (text != "burst") return;
    so::net::stamp_current_io_thread(control_->io, 0);
    so::net::begin_actor_run();
    for (const char* t : {"a", "b", "c"}) sink_->push(make_frame(t));
    control_->pushed.set_value(sink_);
    control_->end_run.get_future().wait();
    so::net::end_actor_run();
  }
  void on_binary() override { sink_->release_inbound(0); }
  void on_closed() override {}

 private:
  std::shared_ptr<run_control> control_;
  event_sink_ptr sink_;
};

}  // namespace

TEST_CASE("frames pushed during an actor run on the socket's thread leave when the run ends",
          "[net][end_of_run]") {
  auto control = std::make_shared<run_control>();
  so::test::listener_fixture f({}, [control](const so::net::upgrade_info&, event_sink_ptr sink) {
    return std::make_unique<actor_like_handler>(control, std::move(sink));
  });
  control->io = &f.server.context();
  so::test::ws_client c(f.ws());
  auto pushed = control->pushed.get_future();
  c.send_text("burst");
  REQUIRE(pushed.wait_for(5s) == std::future_status::ready);
  auto sink = pushed.get();

  // The run has not ended: nothing is on the wire yet (a write used to start at the
  // first push).
  CHECK_FALSE(c.read(200ms).has_value());
  // A frame pushed from another thread meanwhile is posted: it follows the run's frames.
  sink->push(make_frame("d"));
  control->end_run.set_value();

  for (const char* t : {"a", "b", "c", "d"}) CHECK(c.read() == std::optional<std::string>(t));
}
