#include "commands.hpp"

#include <parley/core/log.hpp>
#include <parley/crypto/hardening.hpp>

#ifdef PARLEY_BENCH_NO_ENCRYPTION
#error "the parley binary is never built without encryption (PARLEY_BENCH_NO_ENCRYPTION is for bench/store only)"
#endif

#include <cstdio>
#include <exception>
#include <map>

int main(int argc, char** argv) {
  CLI::App app{"Parley: a self-hosted, security-first platform for AI assistants"};
  app.require_subcommand(1);
  bool allow_unlocked = false;
  app.add_flag("--allow-unlocked-memory", allow_unlocked,
               "Start even when the secure heap for keys cannot be locked in memory (mlock; RLIMIT_MEMLOCK)");
  std::map<const CLI::App*, parley::app::command> commands;
  auto add = [&](auto factory) {
    auto cmd = factory(app);
    commands.emplace(app.get_subcommands({}).back(), std::move(cmd));
  };
  add(parley::app::add_version);
  add(parley::app::add_check_config);
  add(parley::app::add_serve);
  add(parley::app::add_demo);
  add(parley::app::add_keys);
  add(parley::app::add_channel);
  add(parley::app::add_store);
  add(parley::app::add_audit);
  add(parley::app::add_dev_tls);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const auto* sub : app.get_subcommands()) {
      // Before anything can hold a key or a token: no core dumps, no ptrace, a locked secure heap.
      if (sub->get_name() != "version") {
        const auto hardening = parley::crypto::harden_process();
        parley::crypto::log_hardening(hardening);
        if (!hardening.acceptable()) {
          std::fprintf(stderr, "parley: fatal: cannot create the secure heap for keys (see the log line above)\n");
          return 1;
        }
        if (hardening.secure_heap != parley::crypto::secure_heap_status::protected_ok) {
          // Keys in memory that may be swapped out: refused unless the operator says so (the demo,
          // a developer's machine, may run that way).
          if (!allow_unlocked && sub->get_name() != "demo") {
            std::fprintf(stderr,
                         "parley: fatal: the secure heap for keys cannot be locked in memory (mlock failed: raise "
                         "RLIMIT_MEMLOCK, e.g. LimitMEMLOCK= in the systemd unit, or grant CAP_IPC_LOCK); "
                         "--allow-unlocked-memory starts anyway\n");
            return 1;
          }
          parley::core::logger("app")->warn("running with the secure heap unlocked (keys may be swapped to disk): {}",
                                            allow_unlocked ? "--allow-unlocked-memory" : "parley demo allows it");
        }
      }
      return commands.at(sub)();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley: %s\n", e.what());
    return 1;
  }
  return 1;
}
