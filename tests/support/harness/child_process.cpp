// tests/support/harness/child_process.cpp — see child_process.hpp.
#include "tests/support/harness/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <filesystem>
#include <stdexcept>

namespace so::test {

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("child_process: " + what);
}

}  // namespace

child_process::child_process(const std::string& binary, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env) {
  const auto path = std::filesystem::read_symlink("/proc/self/exe").parent_path() / binary;
  check(std::filesystem::exists(path), "no " + binary + " next to the test binary");
  int in[2], out[2], err[2];
  check(::pipe2(in, O_CLOEXEC) == 0 && ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0,
        "pipe");
  pid_ = ::fork();
  check(pid_ >= 0, "fork");
  if (pid_ == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    // The test runner may block or ignore SIGINT; the child starts with defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    std::vector<char*> argv;
    std::string p = path.string();
    argv.push_back(p.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(p.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
}

child_process::~child_process() {
  if (in_ >= 0) ::close(in_);
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void child_process::write_stdin(const std::string& text) {
  check(in_ >= 0, "stdin already closed");
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(in_, text.data() + done, text.size() - done);
    check(n > 0, "write to stdin");
    done += static_cast<std::size_t>(n);
  }
}

void child_process::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

void child_process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

bool child_process::pump(std::chrono::steady_clock::time_point deadline) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
  if (left <= 0) return false;
  if (::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left)) <= 0) return false;
  char buf[4096];
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const auto got = ::read(fds[i].fd, buf, sizeof buf);
    const bool is_out = fds[i].fd == out_fd_;
    if (got <= 0) {
      ::close(fds[i].fd);
      (is_out ? out_fd_ : err_fd_) = -1;
      continue;
    }
    (is_out ? out_ : err_).append(buf, static_cast<std::size_t>(got));
  }
  return true;
}

bool child_process::wait_stdout(const predicate& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(out_))
    if (!pump(deadline)) return done(out_);
  return true;
}

bool child_process::wait_stderr(const predicate& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(err_))
    if (!pump(deadline)) return done(err_);
  return true;
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pump(deadline)) {
  }
  // Output closed (or the deadline passed): reap, polling until the deadline.
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    ::usleep(10'000);  // the exit follows the pipes' close by moments
  }
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  status_ = std::nullopt;
  pid_ = -1;
  return std::nullopt;
}

}  // namespace so::test
