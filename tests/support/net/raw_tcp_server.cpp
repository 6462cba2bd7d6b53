// tests/support/net/raw_tcp_server.cpp — see raw_tcp_server.hpp.
#include "tests/support/net/raw_tcp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace so::test {
namespace {

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

// Content-Length of a request head (0 when absent).
std::size_t content_length(const std::string& head) {
  std::string lower(head);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t pos = lower.find("\r\ncontent-length:");
  if (pos == std::string::npos) return 0;
  return std::stoul(lower.substr(pos + 17));
}

}  // namespace

raw_tcp_server::raw_tcp_server() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("raw_tcp_server: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("raw_tcp_server: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

raw_tcp_server::~raw_tcp_server() {
  close_client();
  ::close(listen_fd_);
}

std::string raw_tcp_server::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

bool raw_tcp_server::accept(std::chrono::milliseconds timeout) {
  close_client();
  if (!wait_readable(listen_fd_, timeout)) return false;
  client_fd_ = ::accept(listen_fd_, nullptr, nullptr);
  if (client_fd_ < 0) return false;
  ++accepted_;
  return true;
}

std::optional<std::string> raw_tcp_server::accept_request(std::chrono::milliseconds timeout) {
  if (!accept(timeout)) return std::nullopt;
  return read_request(timeout);
}

bool raw_tcp_server::wait_client_closed(std::chrono::milliseconds timeout) {
  if (client_fd_ < 0) return false;
  char buf[4096];
  for (;;) {
    if (!wait_readable(client_fd_, timeout)) return false;
    if (::recv(client_fd_, buf, sizeof buf, 0) <= 0) return true;
  }
}

std::optional<std::string> raw_tcp_server::read_request(std::chrono::milliseconds timeout) {
  if (client_fd_ < 0) return std::nullopt;
  std::string data;
  std::size_t head_end = std::string::npos;
  char buf[4096];
  for (;;) {
    if (head_end != std::string::npos && data.size() >= head_end + 4 + content_length(data)) {
      return data;
    }
    if (!wait_readable(client_fd_, timeout)) return std::nullopt;
    const ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    data.append(buf, static_cast<std::size_t>(n));
    if (head_end == std::string::npos) head_end = data.find("\r\n\r\n");
  }
}

bool raw_tcp_server::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(client_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void raw_tcp_server::close_client() {
  if (client_fd_ >= 0) ::close(client_fd_);
  client_fd_ = -1;
}

}  // namespace so::test
