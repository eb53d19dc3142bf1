#include "commands.hpp"

#include <cstdio>
#include <exception>
#include <map>

int main(int argc, char** argv) {
  CLI::App app{"Parley: a self-hosted, security-first platform for AI assistants"};
  app.require_subcommand(1);
  std::map<const CLI::App*, parley::app::command> commands;
  auto add = [&](auto factory) {
    auto cmd = factory(app);
    commands.emplace(app.get_subcommands({}).back(), std::move(cmd));
  };
  add(parley::app::add_version);
  add(parley::app::add_check_config);
  add(parley::app::add_serve);
  add(parley::app::add_demo);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const auto* sub : app.get_subcommands()) return commands.at(sub)();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley: %s\n", e.what());
    return 1;
  }
  return 1;
}
