#include "tests/support/harness/server_process.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace so::test {

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("server_process: " + what);
}

std::filesystem::path server_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "smooth-operator-server";
}

/// In the child: the environment, then exec. Never returns.
[[noreturn]] void exec_server(const std::map<std::string, std::string>& env) {
  ::setenv("SMOOTH_AGENT_PORT", "0", 1);
  ::setenv("SMOOTH_AGENT_BIND", "127.0.0.1", 1);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  const auto binary = server_binary();
  ::execl(binary.c_str(), binary.c_str(), static_cast<char*>(nullptr));
  ::_exit(127);
}

}  // namespace

server_process::server_process(const std::map<std::string, std::string>& env) {
  check(std::filesystem::exists(server_binary()), "no server binary next to the test");
  int out[2];
  check(::pipe(out) == 0, "pipe");
  pid_ = ::fork();
  check(pid_ >= 0, "fork");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    exec_server(env);
  }
  ::close(out[1]);
  // The startup line: "... listening on ws://127.0.0.1:<port>/ws (...)".
  FILE* f = ::fdopen(out[0], "r");
  char line[512] = {0};
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  const std::string s(line);
  const auto at = s.find("127.0.0.1:");
  if (!got || at == std::string::npos) {
    kill();
    check(false, "no startup line (the server did not boot): '" + s + "'");
  }
  port_ = static_cast<std::uint16_t>(std::stoi(s.substr(at + 10)));
}

server_process::~server_process() {
  kill();
}

std::string server_process::http_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void server_process::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int server_process::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

boot_failure run_expecting_boot_failure(const std::map<std::string, std::string>& env,
                                        int timeout_ms) {
  check(std::filesystem::exists(server_binary()), "no server binary next to the test");
  int err[2];
  check(::pipe(err) == 0, "pipe");
  const pid_t pid = ::fork();
  check(pid >= 0, "fork");
  if (pid == 0) {
    ::dup2(err[1], STDERR_FILENO);
    ::close(err[0]);
    ::close(err[1]);
    exec_server(env);
  }
  ::close(err[1]);
  boot_failure result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{err[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const auto n = ::read(err[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the process exited
    result.stderr_text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  // Its stderr closing (EOF) comes a moment before the process can be reaped: wait for
  // the exit until the deadline (with a short grace), polling.
  int status = 0;
  pid_t reaped = 0;
  const auto reap_deadline =
      std::max(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(2));
  while ((reaped = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < reap_deadline)
    ::usleep(10'000);
  if (reaped == 0) {  // still running: it did not fail to boot
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    result.exit_code = -1;
    return result;
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace so::test
