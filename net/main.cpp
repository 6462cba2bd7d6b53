// net/main.cpp — the smooth-operator-server binary.
//
// Reads the environment, boots the server, prints the one startup line on
// stdout (protocol.md §1.8; every log goes to stderr, through an async logger so
// no actor or io thread ever waits for stderr), and drains gracefully on
// SIGTERM/SIGINT, exiting 0. A configuration error (including an auth refusal,
// admin-auth.md §1.3) exits 2 before anything is bound; a boot failure exits 1.
#include "adapters/auth/auth_factory.hpp"
#include "adapters/config/server_config.hpp"
#include "net/async_logging.hpp"
#include "net/heap_huge_pages.hpp"
#include "net/json_log_formatter.hpp"
#include "net/server.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout << "usage: smooth-operator-server\n\nConfigured by environment variables:\n";
    for (const auto& v : so::adapters::config_variables())
      std::cout << "  " << v.name << " (default: " << v.default_value << ")\n      " << v.meaning
                << "\n";
    return 0;
  }
  // Before anything else: may re-execute this binary with huge-page heaps (same pid).
  so::net::reexec_with_heap_huge_pages(argv);

  // Every heap glibc creates for a thread's arena is made writable whole (64 MiB of
  // address space, no memory until touched), not one page per mprotect call as it
  // grows: the in-memory storage keeps ~2 KB per created session, and those calls
  // (each taking the process's mmap lock) cost ~10 % of a create (docs/benchmarks.md).
  // The price: up to that much freed memory at the top of an arena is not returned.
  // Before any thread starts, so every arena gets it.
  mallopt(M_TOP_PAD, 64 << 20);

  // Block the drain signals before any thread starts (the logger's included), so
  // only sigwait sees them: a SIGTERM that came before sigwait was reached used to
  // be delivered to the logger thread and kill the process.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  // Declared first: destroyed last, after the server's shutdown logs (drains them).
  so::net::async_logging logging{"smooth-operator",
                                 std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};

  so::adapters::server_config config;
  try {
    config = so::adapters::load_config(so::adapters::process_env());
    // The auth refusals of admin-auth.md §1.3, before any port is bound.
    so::adapters::auth::validate_auth_config(config);
  } catch (const so::adapters::auth::auth_config_error& e) {
    std::cerr << e.what() << "\n";  // starts "auth configuration error:"
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "smooth-operator-server: configuration error: " << e.what() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.log_format == "json")  // before the first line: every line is one JSON object
    spdlog::default_logger()->set_formatter(std::make_unique<so::net::json_log_formatter>());

  try {
    so::net::server_options options;
    options.config = config;
    so::net::server server(std::move(options));
    std::cout << server.startup_line() << std::endl;  // flushed: harnesses wait for it
    server.run_until_signal();
  } catch (const std::exception& e) {
    std::cerr << "smooth-operator-server: " << e.what() << "\n";
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}
