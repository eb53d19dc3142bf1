#include "commands.hpp"
#include "startup_checks.hpp"
#include "store_wiring.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace parley::app {

command add_check_config(CLI::App& app) {
  auto* sub = app.add_subcommand("check-config",
                                 "Run every start-up check of `serve` on a configuration file (and PARLEY_* "
                                 "overrides), short of binding ports, and exit");
  auto file = std::make_shared<std::string>();
  sub->add_option("file", *file, "TOML configuration file")->required();
  return [file] {
    // Exactly what `parley serve` runs before it binds a port (startup_checks.hpp).
    auto checked = load_checked_settings(*file);
    if (!checked) return 2;
    // Warnings: valid, but unwise. The erasure secrets next to the database defeat erasure for
    // whoever backs up that directory (docs/operations.md, "Backups and erasure").
    if (const auto problem = erasure_secrets_placement_problem(checked->s); !problem.empty()) {
      std::fprintf(stderr, "parley: warning: %s\n", problem.c_str());
    }
    std::printf("%s: ok\n", file->c_str());
    return 0;
  };
}

}  // namespace parley::app
