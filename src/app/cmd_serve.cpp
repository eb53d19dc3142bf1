#include "channel_wiring.hpp"
#include "commands.hpp"
#include "run_services.hpp"
#include "settings.hpp"
#include "startup_checks.hpp"
#include "store_wiring.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
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
    // The same checks as `parley check-config`, and relative paths resolved (startup_checks.hpp).
    auto checked = load_checked_settings(*config_file);
    if (!checked) return 2;
    const auto& cfg = checked->cfg;
    auto s = std::move(checked->s);
    if (const auto ec = core::init_logging(s.log); ec || core::set_log_format(s.log_format)) {
      std::fprintf(stderr, "parley: cannot set up logging: %s\n", ec.message().c_str());
      return 2;
    }
    run_plan plan;
    plan.net = std::move(s.net);
    plan.config = std::move(s);
    // The channel, the bot and the desk share one encrypted store: [store], opened once; `parley
    // store migrate` prepares a new database. The audit log lives in the same store ([audit]
    // checkpoint keys beside the others).
    auto shared_store = [&]() -> std::shared_ptr<store::conversation_store> {
      if (plan.store) return plan.store;
      std::shared_ptr<store::encrypted_store> opened = open_store(plan.config, /*migrate=*/true);
      if (opened) plan.audit = make_audit_plan(plan.config, opened);
      plan.store = opened;
      plan.desk_store = opened;  // the desk's sessions live in the same encrypted store
      plan.desk_queue = opened;
      return plan.store;
    };
    if (plan.net.listeners.empty()) plan.net.listeners.push_back(net::listener_options{});  // ops on 127.0.0.1:8400
    if (const auto& conf = plan.config; !conf.channel.bots.empty()) {
      channel_plan c;
      c.channel = conf.channel;
      c.crypto = conf.crypto;
      c.keys.file = conf.jose.key_file;
      c.keys.overlap = conf.jose.key_overlap;
      c.keys.activation_delay = conf.jose.key_activation_delay;
      c.keys.rsa_bits = conf.jose.rsa_bits;
      c.store = shared_store();
      if (!c.store) return 1;
      c.store_shared = conf.store.backend == store::backend_kind::postgres;
      plan.channel = std::move(c);
    }
    if (plan.config.bot) {
      bot_plan b;
      b.bot = std::move(*plan.config.bot);
      plan.config.bot.reset();
      b.assistant = plan.config.assistant;
      b.login = std::move(plan.config.login);
      b.store = shared_store();
      if (!b.store) return 1;
      plan.bot = std::move(b);
    }
    const bool desk_listener = has_listener(plan.net, "desk");
    if (desk_listener) {
      desk_plan d;
      d.desk = std::move(plan.config.desk);
      d.store = shared_store();
      if (!d.store) return 1;
      d.sessions = plan.desk_store;
      plan.desk = std::move(d);
    }
    if (!ready_file->empty()) plan.ready_file = *ready_file;
    plan.config_file = *config_file;
    // Every component has its secrets now: the ones from { env = ... } leave the environment
    // (no child inherits them, /proc/PID/environ no longer shows them).
    core::scrub_environment(cfg->secret_env_names());
    return run_services(std::move(plan));
  };
}

}  // namespace parley::app
