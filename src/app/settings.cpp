#include "settings.hpp"

#include "services.hpp"

#include <algorithm>
#include <filesystem>

namespace parley::app {
namespace {

core::log_options read_log(core::config_section s) {
  core::log_options o;
  o.level = s.string("level", o.level);
  o.file = s.string("file", o.file);
  s.finish();
  return o;
}

// [store] and its backend tables [store.sqlite] / [store.postgres].
void read_store(core::config_section s, settings& out) {
  out.store_sqlite = store::sqlite::parse_options(s.section("sqlite"));
#ifdef PARLEY_WITH_POSTGRES
  out.store_postgres = store::postgres::parse_options(s.section("postgres"));
#else
  (void)s.section("postgres");
#endif
  out.store = store::parse_options(s);
  if (out.store.backend == store::backend_kind::postgres) {
#ifdef PARLEY_WITH_POSTGRES
    if (out.store_postgres.dsn.empty()) s.error("postgres", "backend = \"postgres\" needs [store.postgres] dsn");
#else
    s.error("backend", "this build has no PostgreSQL backend (PARLEY_WITH_POSTGRES=OFF)");
#endif
  }
}

// [bus] and, for the AMQP backend, [bus.amqp]: TLS files relative to the configuration's
// directory, then every rule of bus::amqp::check() (so that check-config reports them).
void read_bus(core::config& cfg, settings& out) {
  auto s = cfg.section("bus");
  auto amqp = s.section("amqp");
  out.bus_amqp = bus::amqp::parse_options(amqp);
  out.bus = bus::parse_options(s);
  if (out.bus.backend != bus::backend_kind::amqp) return;
  for (auto* file : {&out.bus_amqp.tls_ca_file, &out.bus_amqp.tls_cert_file, &out.bus_amqp.tls_key_file}) {
    if (!file->empty() && std::filesystem::path(*file).is_relative()) *file = (cfg.base_dir() / *file).string();
  }
  for (const auto& p : bus::amqp::check(out.bus_amqp)) amqp.error(p.key, p.message);
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
  read_store(cfg.section("store"), out);
  read_bus(cfg, out);
  out.channel = channel::parse_options(cfg.section("channel"));
  const bool channel_listener = std::any_of(out.net.listeners.begin(), out.net.listeners.end(),
                                            [](const net::listener_options& l) { return l.name == "channel"; });
  if (channel_listener && out.channel.bots.empty()) {
    cfg.section("channel").error("bots", "a channel listener needs at least one [[channel.bots]] entry");
  }
  out.login = login::parse_options(cfg.section("login"));
  out.bankx = bankx::parse_options(cfg.section("bankx"));
  const bool bot_listener = std::any_of(out.net.listeners.begin(), out.net.listeners.end(),
                                        [](const net::listener_options& l) { return l.name == "bot"; });
  if (bot_listener) out.bot = bot::parse_options(cfg.section("bot"));
  out.assistant = assistant::parse_options(cfg.section("assistant"));
  cfg.check_sections({"log", "net", "crypto", "jose", "store", "bus", "channel", "login", "bankx", "bot", "assistant"});
  return out;
}

}  // namespace parley::app
