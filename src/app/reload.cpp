#include "reload.hpp"

#include "startup_checks.hpp"
#include "tls_expiry.hpp"

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>

namespace parley::app {

bool reload(const reload_targets& t) {
  auto log = core::logger("app");
  if (t.config_file.empty()) {
    log->warn("SIGHUP: this process has no configuration file to re-read; nothing reloaded");
    return true;
  }
  bool ok = true;
  // Only [net] is read again: the other sections are the running services' and need a restart.
  auto cfg = core::config::load_file(t.config_file, core::process_environment());
  auto net = net::parse_options(cfg->section("net"));
  if (!cfg->ok()) {
    for (const auto& e : cfg->errors()) log->error("SIGHUP: {}", e);
    log->error("SIGHUP: {}: {} problem(s) in [net]; the certificates in use stay", t.config_file.string(),
               cfg->errors().size());
    ok = false;
  } else if (t.server) {
    for (auto& l : net.listeners) {
      if (l.tls_cert_file.empty()) continue;
      l.tls_cert_file = resolve_path(cfg->base_dir(), l.tls_cert_file);
      if (!t.server->reload_tls(l)) {
        ok = false;  // logged by the server, with the reason
        continue;
      }
      if (t.metrics) {
        net::options one;
        one.listeners.push_back(std::move(l));
        publish_certificate_expiry(one, *t.metrics);
      }
    }
  }
  if (t.signing_keys) {
    if (const auto ec = t.signing_keys->reload()) {
      log->error("SIGHUP: the signing keys could not be re-read, the ones in use stay: {}", ec.message());
      ok = false;
    } else {
      log->info("SIGHUP: signing keys re-read");
    }
  }
  log->info("SIGHUP: reload {}", ok ? "complete" : "incomplete (see the errors above)");
  return ok;
}

}  // namespace parley::app
