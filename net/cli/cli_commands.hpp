// net/cli/cli_commands.hpp — what each smooth-operator-cli command does, as a library
// (so_cli) apart from main(): chat, send, history and publish against a server.
//
// `run_cli` connects, runs the command on the calling thread's event loop and returns
// the process exit status: 0 success, 1 failure (an `error` or `cancelled` turn, a
// timeout, a lost connection, a refused admin call), 2 usage error, 130 when the
// user interrupted (a second Ctrl-C). Streamed output goes to `out` as it arrives;
// diagnostics (session ids, tool activity, errors) go to `err`. With --json `out`
// carries exactly the received events, one per line.
// Thread-safety: one call per thread; SIGINT is taken over while a command runs.
#pragma once

#include "net/cli/cli_options.hpp"

#include <istream>
#include <ostream>

namespace so::cli {

struct cli_io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool interactive = false;  ///< stdin is a terminal: chat shows a "> " prompt
};

int run_cli(const cli_options& options, cli_io io);

/// Parses argv and runs it (what main() does), printing usage errors with exit 2.
int cli_main(int argc, char** argv, cli_io io);

}  // namespace so::cli
