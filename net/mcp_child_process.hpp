// net/mcp_child_process.hpp — the child process of an MCP stdio server: spawned with its
// stdin and stdout on pipes, ended and reaped by `terminate`.
//
// The child gets the server's environment plus `extra_env` (later-protocol.md §7.1), its
// own process group (so ending it also ends helpers it spawned, e.g. `npx` → `node`),
// the default signal mask, and the server's stderr (its diagnostics land in our log
// stream). Spawning uses posix_spawnp (PATH lookup; nothing unsafe between fork and exec
// in a multi-threaded process).
// Thread-safety: `read_some` is called by one reader thread, `write_all` by one writer
// thread; `close_stdin`/`terminate` from any thread, both idempotent. `terminate` blocks
// (at most `grace` plus a SIGKILL'd reap): never call it on an io thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace so::net {

class mcp_child_process {
 public:
  /// Starts `command args...`; throws std::runtime_error naming the command when it
  /// cannot be spawned (not found, not executable).
  mcp_child_process(const std::string& command, const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& extra_env);
  ~mcp_child_process();  ///< terminate()
  mcp_child_process(const mcp_child_process&) = delete;
  mcp_child_process& operator=(const mcp_child_process&) = delete;

  /// Writes everything; false when the child's stdin is closed (it exited).
  bool write_all(std::string_view bytes);
  /// Reads what is available from the child's stdout (blocking); 0 at end of output.
  std::size_t read_some(char* buffer, std::size_t size);
  /// Ends the child: closes its stdin (the MCP way to ask a stdio server to stop), waits
  /// up to `grace`, then SIGKILLs its process group and reaps it. Its exit description
  /// ("exited with status 1", "killed by signal 9").
  std::string terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(500));
  pid_t pid() const { return pid_; }

 private:
  void close_stdin();

  pid_t pid_ = -1;
  std::mutex mutex_;  ///< guards stdin_ and the reap
  int stdin_ = -1;
  std::atomic<int> stdout_{-1};
  std::atomic<bool> stopping_{false};
  std::optional<std::string> exit_;  ///< set once reaped
};

}  // namespace so::net
