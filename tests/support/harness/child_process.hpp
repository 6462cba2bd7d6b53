// tests/support/harness/child_process.hpp — a binary of the build (the CLI, the server)
// run as a child with its stdin, stdout and stderr on pipes.
//
// For end-to-end tests of the binaries themselves: write to stdin, wait (with a
// deadline) until stdout or stderr shows something, send a signal, wait for the exit
// status. The binary is looked up next to the test binary. Destruction SIGKILLs a
// child still running. Thread-safety: one thread owns an instance.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace so::test {

class child_process {
 public:
  /// Starts `<dir of the test binary>/<binary> args...` with `env` on top of the test's
  /// environment; throws std::runtime_error when it cannot be started.
  child_process(const std::string& binary, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {});
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  void write_stdin(const std::string& text);
  void close_stdin();
  void signal(int sig);

  using predicate = std::function<bool(const std::string&)>;
  /// Reads until `done(stdout so far)` holds; false at the deadline or at end of output.
  bool wait_stdout(const predicate& done, std::chrono::milliseconds timeout);
  bool wait_stderr(const predicate& done, std::chrono::milliseconds timeout);
  /// Reads everything until the child exits; its exit code (128 + n when killed by
  /// signal n), or nullopt at the deadline (the child is then SIGKILLed).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  /// One poll round over the open output pipes; false when both are closed or at the deadline.
  bool pump(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int in_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::optional<int> status_;
};

/// "abc" contained in the text: a predicate for wait_stdout / wait_stderr.
inline child_process::predicate contains(std::string needle) {
  return [n = std::move(needle)](const std::string& s) { return s.find(n) != std::string::npos; };
}

}  // namespace so::test
