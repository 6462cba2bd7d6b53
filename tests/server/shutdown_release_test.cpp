// tests/server/shutdown_release_test.cpp — a foreign thread that keeps a server callback
// after calling it never holds a session past shutdown (net/handed_off.hpp).
//
// The authenticator double answers on a thread of its own (as a JWKS verifier would) and
// keeps its copy of the callback until the test releases it — after the server is gone.
// Before the fix that copy owned the last reference to the session, whose destruction then
// touched the destroyed io_context (ASan: heap-use-after-free in ~strand_impl).
#include "tests/server/admin_test_support.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace so::test::admin {
namespace {

namespace auth = adapters::auth;

class lingering_authenticator final : public auth::authenticator {
 public:
  explicit lingering_authenticator(std::map<std::string, auth::principal> tokens)
      : tokens_(std::move(tokens)) {}
  ~lingering_authenticator() override { release(); }

  std::string label() const override { return "test-lingering"; }
  bool single_user() const override { return false; }

  void authenticate(std::string credential,
                    std::function<void(auth::auth_result)> done) const override {
    auto verdict = verdict_for(tokens_, credential);
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, done = std::move(done), verdict = std::move(verdict)]() mutable {
      done(std::move(verdict));
      std::unique_lock wait(mu_);
      cv_.wait(wait, [this] { return released_; });
      // `done` is destroyed here, after the server is gone.
    });
  }

  /// Lets every verifier thread end (destroying its callback) and joins them.
  void release() const {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      released_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t.join();
  }

 private:
  std::map<std::string, auth::principal> tokens_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable bool released_ = false;
  mutable std::vector<std::thread> threads_;
};

}  // namespace

TEST_CASE("shutdown: a verifier thread that keeps its callback never outlives a session's io",
          "[shutdown][auth]") {
  auto verifier = std::make_shared<lingering_authenticator>(tokens());
  auto o = srv::local_options();
  o.authenticator = verifier;
  auto server = std::make_unique<net::server>(std::move(o));
  // An admin request (router → storage → respond) and a WebSocket upgrade, each
  // verified on a lingering thread.
  auto r = call(server->port(), "GET", "/admin/connectors", "admin-a");
  CHECK(r.status == 200);
  {
    ws_connect_options wo;
    wo.port = server->port();
    wo.target = "/ws?token=alice";
    ws_client client(wo);
    client.send_text(R"({"action":"ping","requestId":"r1"})");
    CHECK(client.read_until_type("pong"));
    client.close();
  }
  // The server shuts down while both verifier threads still hold their callbacks. Were a
  // session still owned by one, the actor system would wait for it forever (the session
  // reaches the storage workers through the router); after a timeout the threads are
  // released so the test ends — and ASan reports the session dying after its io_context.
  auto shutdown = std::async(std::launch::async, [&server] { server.reset(); });
  const bool prompt = shutdown.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  verifier->release();
  shutdown.wait();
  CHECK(prompt);
}

}  // namespace so::test::admin
