// net/mcp_child_process.cpp — see mcp_child_process.hpp.
#include "net/mcp_child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <stdexcept>
#include <thread>

extern char** environ;

namespace so::net {
namespace {

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

/// The inherited environment with `extra` on top (an extra name replaces the inherited one).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos && extra.count(std::string(kv.substr(0, eq))) != 0) continue;
    out.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

mcp_child_process::mcp_child_process(const std::string& command,
                                     const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& extra_env) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<std::string> argv_text{command};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_text = child_environment(extra_env);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int rc = ::posix_spawnp(&pid_, command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    pid_ = -1;
    throw std::runtime_error("cannot start `" + command + "`: " + strerror(rc));
  }
  ::fcntl(in[1], F_SETFL, ::fcntl(in[1], F_GETFL) | O_NONBLOCK);  // writes poll (write_all)
  stdin_ = in[1];
  stdout_ = out[0];
}

mcp_child_process::~mcp_child_process() {
  terminate();
  if (const int fd = stdout_.exchange(-1); fd >= 0) ::close(fd);
}

bool mcp_child_process::write_all(std::string_view bytes) {
  // Held for the whole write so that terminate() cannot close (and the kernel reuse) the
  // descriptor under it; the write gives up within 100 ms once terminate() begins.
  std::lock_guard lock(mutex_);
  if (stdin_ < 0) return false;
  // A write to a child that exited raises SIGPIPE, whose default ends the whole server:
  // block it on this thread for the write and swallow the one the write raised.
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  bool ok = true;
  while (!bytes.empty()) {
    if (stopping_.load()) {
      ok = false;
      break;
    }
    pollfd p{stdin_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the child is not reading yet: look at stopping_ again
    const auto n = ::write(stdin_, bytes.data(), bytes.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      if (n < 0 && errno == EPIPE) {
        const timespec none{0, 0};
        ::sigtimedwait(&pipe_only, nullptr, &none);
      }
      ok = false;
      break;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

std::size_t mcp_child_process::read_some(char* buffer, std::size_t size) {
  const int fd = stdout_.load();
  if (fd < 0) return 0;
  while (true) {
    const auto n = ::read(fd, buffer, size);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
}

void mcp_child_process::close_stdin() {
  std::lock_guard lock(mutex_);
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
}

std::string mcp_child_process::terminate(std::chrono::milliseconds grace) {
  stopping_ = true;
  close_stdin();
  std::lock_guard lock(mutex_);
  if (exit_) return *exit_;
  if (pid_ <= 0) return "not started";
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (true) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      ::kill(-pid_, SIGKILL);  // helpers left in its group
      exit_ = describe(status);
      return *exit_;
    }
    if (r < 0 && errno != EINTR) {
      exit_ = "ended";
      return *exit_;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_ = describe(status);
  return *exit_;
}

}  // namespace so::net
