// http_client_router: a call starts on the client of the calling io thread.
#include "net/http_client_router.hpp"
#include "net/io_thread_index.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <thread>

namespace {

/// Records how many calls it was asked to start; starts nothing.
class counting_client final : public so::net::http_client {
 public:
  std::size_t calls = 0;
  std::shared_ptr<so::net::http_call> start(so::net::http_request,
                                            so::net::http_callbacks) override {
    ++calls;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("the router uses the calling io thread's client, else round-robin", "[net][http]") {
  boost::asio::io_context io0{1}, io1{1}, other{1};
  auto c0 = std::make_shared<counting_client>();
  auto c1 = std::make_shared<counting_client>();
  auto router = so::net::make_http_client_router({&io0, &io1}, {c0, c1});

  // A thread stamped as io thread 1 of this pool: always client 1.
  std::thread([&] {
    so::net::stamp_current_io_thread(&io1, 1);
    for (int i = 0; i < 5; ++i) router->start({}, {});
  }).join();
  CHECK(c0->calls == 0);
  CHECK(c1->calls == 5);

  // A thread of another pool (same index, other context) counts as foreign.
  std::thread([&] {
    so::net::stamp_current_io_thread(&other, 1);
    for (int i = 0; i < 4; ++i) router->start({}, {});
  }).join();
  CHECK(c0->calls == 2);
  CHECK(c1->calls == 7);

  // The test thread itself is no io thread: round-robin too.
  router->start({}, {});
  router->start({}, {});
  CHECK(c0->calls + c1->calls == 11);
  CHECK(c0->calls == 3);
}
