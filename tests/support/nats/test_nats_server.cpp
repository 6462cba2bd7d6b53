// tests/support/nats/test_nats_server.cpp — see test_nats_server.hpp.
#include "tests/support/nats/test_nats_server.hpp"

#include <algorithm>

#include "tests/support/net/http_probe.hpp"

#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace so::test::nats {

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("test_nats_server: socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("test_nats_server: cannot find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

rapidjson::Document get_json(std::uint16_t port, const std::string& target) {
  http_connection c("127.0.0.1", port);
  http_request_spec spec;
  spec.target = target;
  auto reply = c.request(spec);
  if (reply.status != 200)
    throw std::runtime_error("nats monitoring " + target + ": HTTP " +
                             std::to_string(reply.status));
  rapidjson::Document d;
  d.Parse(reply.body.c_str());
  if (d.HasParseError() || !d.IsObject())
    throw std::runtime_error("nats monitoring " + target + ": not a JSON object");
  return d;
}

}  // namespace

std::string nats_server_binary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";  // Debian installs nats-server in /usr/sbin
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const auto dir = dirs.substr(start, colon - start);
    if (!dir.empty()) {
      const auto candidate = dir + "/nats-server";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = colon + 1;
  }
  return {};
}

bool require_nats_or_skip() {
  if (!nats_server_binary().empty()) return true;
  if (in_ci()) FAIL("CI=true but nats-server is not installed (scripts/setup installs it)");
  std::printf("skipped (nats-server is not installed; scripts/setup installs it): %s\n",
              Catch::getResultCapture().getCurrentTestName().c_str());
  return false;
}

test_nats_server::test_nats_server(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
  // A busy machine may hand a probed port to someone else before the server binds it.
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    monitor_port_ = free_port();
    if (port_ == monitor_port_) continue;
    try {
      launch();
      return;
    } catch (const std::exception&) {
      if (attempt >= 4) throw;
    }
  }
}

test_nats_server::~test_nats_server() {
  stop();
}

std::string test_nats_server::url(std::string_view userinfo) const {
  std::string u = "nats://";
  if (!userinfo.empty()) u.append(userinfo).append("@");
  return u + "127.0.0.1:" + std::to_string(port_);
}

std::string test_nats_server::monitor_url() const {
  return "http://127.0.0.1:" + std::to_string(monitor_port_);
}

void test_nats_server::start() {
  if (pid_ > 0) return;
  // The old process released the ports when it exited; retry briefly for the kernel.
  for (int attempt = 0;; ++attempt) {
    try {
      launch();
      return;
    } catch (const std::exception&) {
      if (attempt >= 20) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void test_nats_server::launch() {
  const auto binary = nats_server_binary();
  if (binary.empty()) throw std::runtime_error("test_nats_server: nats-server not found");
  std::vector<std::string> args{
      binary, "-a", "127.0.0.1", "-p", std::to_string(port_), "-m", std::to_string(monitor_port_)};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const char* log = std::getenv("SO_TEST_NATS_LOG");  // a file for the server's log, to debug
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("test_nats_server: fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    const int out = log != nullptr ? ::open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)
                                   : ::open("/dev/null", O_WRONLY);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(accepts(port_) && accepts(monitor_port_))) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("test_nats_server: nats-server exited at start (port " +
                               std::to_string(port_) + ")");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("test_nats_server: nats-server did not accept within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void test_nats_server::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::kill(pid_, SIGCONT);  // a paused server must run to see the SIGTERM
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void test_nats_server::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void test_nats_server::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::vector<std::string> test_nats_server::subjects() const {
  auto d = get_json(monitor_port_, "/connz?subs=1&limit=100000");
  std::vector<std::string> out;
  if (!d.HasMember("connections") || !d["connections"].IsArray()) return out;
  for (const auto& c : d["connections"].GetArray()) {
    if (!c.IsObject() || !c.HasMember("subscriptions_list")) continue;
    const auto& list = c["subscriptions_list"];
    if (!list.IsArray()) continue;
    for (const auto& s : list.GetArray())
      if (s.IsString()) out.emplace_back(s.GetString(), s.GetStringLength());
  }
  return out;
}

std::size_t test_nats_server::subscription_count(const std::string& subject) const {
  const auto all = subjects();
  return static_cast<std::size_t>(std::count(all.begin(), all.end(), subject));
}

std::size_t test_nats_server::connection_count() const {
  auto d = get_json(monitor_port_, "/connz");
  if (!d.HasMember("num_connections") || !d["num_connections"].IsUint()) return 0;
  return d["num_connections"].GetUint();
}

}  // namespace so::test::nats
