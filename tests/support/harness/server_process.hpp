// tests/support/harness/server_process.hpp — the real server binary as a child process.
//
// For tests that need separate processes (SIGKILL, several servers behind one
// NATS): forks and execs `smooth-operator-server` found next to the test binary,
// with the given environment on top of the test's own, on 127.0.0.1 and a free port
// (SMOOTH_AGENT_PORT=0), and reads the port from its startup line on stdout.
// Destruction SIGKILLs a process still running. stderr is inherited (its log lines
// land in the test's output). Thread-safety: one thread owns an instance.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace so::test {

class server_process {
 public:
  /// Starts the binary and waits for its startup line; throws std::runtime_error when
  /// it does not boot.
  explicit server_process(const std::map<std::string, std::string>& env);
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process();

  std::uint16_t port() const { return port_; }
  /// The child's pid (for /proc/<pid>/... checks).
  pid_t pid() const { return pid_; }
  /// "http://127.0.0.1:<port>"
  std::string http_url() const;

  /// SIGKILL and reap (idempotent).
  void kill();
  /// SIGTERM (graceful drain) and reap; returns the exit status (waitpid's).
  int terminate();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

/// Starts the binary with `env` and returns its exit code and everything it wrote
/// to stderr, for a boot that is expected to fail (killed after `timeout_ms`).
struct boot_failure {
  int exit_code = 0;
  std::string stderr_text;
};
boot_failure run_expecting_boot_failure(const std::map<std::string, std::string>& env,
                                        int timeout_ms = 15000);

}  // namespace so::test
