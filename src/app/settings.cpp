#include "settings.hpp"

#include "services.hpp"

namespace parley::app {
namespace {

core::log_options read_log(core::config_section s) {
  core::log_options o;
  o.level = s.string("level", o.level);
  o.file = s.string("file", o.file);
  s.finish();
  return o;
}

// Listener names select services (services.hpp): a typo must fail check-config, not start nothing.
void check_services(core::config& cfg, const net::options& o) {
  std::string known;
  for (const auto& s : services()) known += (known.empty() ? "" : ", ") + std::string(s.name);
  for (std::size_t i = 0; i < o.listeners.size(); ++i) {
    if (find_service(o.listeners[i].name)) continue;
    cfg.section("net").error("listeners[" + std::to_string(i) + "].name",
                             "unknown service \"" + o.listeners[i].name + "\" (known: " + known + ")");
  }
}

}  // namespace

settings read_settings(core::config& cfg) {
  settings out;
  out.log = read_log(cfg.section("log"));
  out.net = net::parse_options(cfg.section("net"));
  check_services(cfg, out.net);
  out.crypto = crypto::parse_options(cfg.section("crypto"));
  out.jose = jose::parse_options(cfg.section("jose"));
  cfg.check_sections({"log", "net", "crypto", "jose"});
  return out;
}

}  // namespace parley::app
