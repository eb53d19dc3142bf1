#include "commands.hpp"
#include "startup_checks.hpp"

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
    if (!load_checked_settings(*file)) return 2;
    std::printf("%s: ok\n", file->c_str());
    return 0;
  };
}

}  // namespace parley::app
