#include "commands.hpp"
#include "run_services.hpp"
#include "settings.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace parley::app {

command add_serve(CLI::App& app) {
  auto* sub = app.add_subcommand("serve", "Run the listeners configured in [net] until SIGTERM/SIGINT");
  auto config_file = std::make_shared<std::string>();
  auto ready_file = std::make_shared<std::string>();
  sub->add_option("--config", *config_file, "TOML configuration file")->required();
  sub->add_option("--ready-file", *ready_file, "Write the service URLs here (JSON) once listening");
  return [config_file, ready_file] {
    auto cfg = core::config::load_file(*config_file, core::process_environment());
    auto s = read_settings(*cfg);
    if (!cfg->ok()) {
      for (const auto& e : cfg->errors()) std::fprintf(stderr, "%s\n", e.c_str());
      std::fprintf(stderr, "parley: %s: %zu problem(s)\n", config_file->c_str(), cfg->errors().size());
      return 2;
    }
    if (const auto ec = core::init_logging(s.log)) {
      std::fprintf(stderr, "parley: cannot set up logging: %s\n", ec.message().c_str());
      return 2;
    }
    run_plan plan;
    plan.net = std::move(s.net);
    plan.config = std::move(s);
    if (plan.net.listeners.empty()) plan.net.listeners.push_back(net::listener_options{});  // ops on 127.0.0.1:8400
    if (!ready_file->empty()) plan.ready_file = *ready_file;
    return run_services(std::move(plan));
  };
}

}  // namespace parley::app
