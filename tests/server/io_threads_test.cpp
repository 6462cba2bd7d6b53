// io threads: SMOOTH_AGENT_IO_THREADS sets how many threads own sockets and run actors.
#include "tests/server/server_test_support.hpp"

#include <thread>

using namespace so::test;
using namespace so::test::srv;

TEST_CASE("the server runs io_threads io threads and serves connections on all", "[server][io]") {
  auto o = local_options();
  o.config.io_threads = 3;
  so::net::server server(o);
  CHECK(server.io_threads() == 3);
  // Connections are handed to the threads round-robin: 7 cover every thread twice.
  std::vector<std::unique_ptr<ws_client>> clients;
  ws_connect_options co;
  co.port = server.port();
  for (int i = 0; i < 7; ++i) clients.push_back(std::make_unique<ws_client>(co));
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const auto id = "p-" + std::to_string(round) + "-" + std::to_string(i);
      clients[i]->send_text(R"({"action":"ping","requestId":")" + id + R"("})");
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
      auto pong = next(*clients[i]);
      CHECK(str(pong, "/type") == "pong");
      CHECK(str(pong, "/requestId") == "p-" + std::to_string(round) + "-" + std::to_string(i));
    }
  }
}

TEST_CASE("io_threads 0 means one io thread per core", "[server][io]") {
  auto o = local_options();
  o.config.io_threads = 0;
  so::net::server server(o);
  const auto cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(server.io_threads() == cores);
}
