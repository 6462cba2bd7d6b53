// net/cli/cli_main.cpp — the smooth-operator-cli binary: a terminal client of the server
// (chat, send, history, publish). Everything but argv/stdio lives in so_cli
// (net/cli/cli_commands.hpp), so the commands are testable without this file.
#include "net/cli/cli_commands.hpp"

#include <unistd.h>

#include <iostream>

int main(int argc, char** argv) {
  return so::cli::cli_main(argc, argv,
                           {std::cin, std::cout, std::cerr, ::isatty(STDIN_FILENO) == 1});
}
