// net/http_client_router.cpp — see http_client_router.hpp.
#include "net/http_client_router.hpp"

#include "net/io_thread_index.hpp"

#include <atomic>
#include <stdexcept>
#include <utility>

namespace so::net {

namespace {

class http_client_router final : public http_client {
 public:
  http_client_router(std::vector<boost::asio::io_context*> contexts,
                     std::vector<http_client_ptr> clients)
      : contexts_(std::move(contexts)), clients_(std::move(clients)) {
    if (clients_.empty() || clients_.size() != contexts_.size())
      throw std::invalid_argument("http_client_router: one client per io_context");
  }

  std::shared_ptr<http_call> start(http_request request, http_callbacks callbacks) override {
    auto slot = own_io_slot(contexts_);
    if (slot == static_cast<std::size_t>(-1))
      slot = next_.fetch_add(1, std::memory_order_relaxed) % clients_.size();
    return clients_[slot]->start(std::move(request), std::move(callbacks));
  }

 private:
  const std::vector<boost::asio::io_context*> contexts_;
  const std::vector<http_client_ptr> clients_;
  std::atomic<std::size_t> next_{0};  // round-robin for calls from other threads
};

}  // namespace

http_client_ptr make_http_client_router(std::vector<boost::asio::io_context*> contexts,
                                        std::vector<http_client_ptr> clients) {
  if (clients.size() == 1 && contexts.size() == 1) return clients.front();  // nothing to route
  return std::make_shared<http_client_router>(std::move(contexts), std::move(clients));
}

}  // namespace so::net
