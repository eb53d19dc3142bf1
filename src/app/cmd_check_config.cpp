#include "commands.hpp"
#include "settings.hpp"
#include "store_wiring.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace parley::app {

command add_check_config(CLI::App& app) {
  auto* sub = app.add_subcommand("check-config", "Validate a configuration file (and PARLEY_* overrides) and exit");
  auto file = std::make_shared<std::string>();
  sub->add_option("file", *file, "TOML configuration file")->required();
  return [file] {
    auto cfg = core::config::load_file(*file, core::process_environment());
    (void)read_settings(*cfg);
    if (!cfg->ok()) {
      for (const auto& e : cfg->errors()) std::fprintf(stderr, "%s\n", e.c_str());
      std::fprintf(stderr, "parley: %s: %zu problem(s)\n", file->c_str(), cfg->errors().size());
      return 2;
    }
    // Warnings: valid, but unwise. The erasure secrets next to the database defeat erasure for
    // whoever backs up that directory (docs/operations.md, "Backups and erasure").
    if (auto s = load_settings(*file)) {
      if (const auto problem = erasure_secrets_placement_problem(*s); !problem.empty()) {
        std::fprintf(stderr, "parley: warning: %s\n", problem.c_str());
      }
    }
    std::printf("%s: ok\n", file->c_str());
    return 0;
  };
}

}  // namespace parley::app
