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
  o.max_lines_per_second = static_cast<double>(s.integer("max_lines_per_second", 200, 0, 1'000'000));
  o.burst_lines = static_cast<double>(s.integer("burst_lines", 1000, 1, 10'000'000));
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

// The channel must never store what the bot of this process would refuse (issue 21, 5): its
// limits on a client activity are the bot's or stricter.
void check_activity_limits(core::config& cfg, const channel::options& c, const bot::options& b) {
  auto section = cfg.section("channel");
  const auto check = [&](const char* key, std::size_t channel_value, std::size_t bot_value, const char* bot_name) {
    if (channel_value > bot_value) {
      section.error(key, "must not exceed what the bot accepts (" + std::string(bot_name) + " = " +
                             std::to_string(bot_value) + "): the channel would store activities its bot refuses");
    }
  };
  check("max_activity_bytes", c.max_activity_bytes, b.max_activity_bytes, "[bot] max_activity_bytes");
  check("max_text_bytes", c.max_text_bytes, bot::max_inbound_text_bytes, "the bot's text limit");
  check("max_value_bytes", c.max_value_bytes, bot::max_inbound_value_bytes, "the bot's value limit");
  check("max_activity_depth", c.max_activity_depth, bot::max_inbound_depth, "the bot's nesting limit");
}

// A problem with the listener `name` for an anonymous party (no app id, no token): trust by
// position holds only on loopback, and not behind a TLS proxy (behind a proxy on the same host
// every client is a loopback peer). Empty when there is no such listener or it is fine.
std::string position_problem(const net::options& o, std::string_view name) {
  for (const auto& l : o.listeners) {
    if (l.name != name) continue;
    if (!net::is_loopback_address(l.address)) return "the \"" + l.name + "\" listener is on " + l.address + ", not loopback";
    if (l.behind_tls_proxy) return "the \"" + l.name + "\" listener is behind_tls_proxy";
  }
  return {};
}

// Anonymous bots (issue 14): a [[channel.bots]] entry without app_id (HTTP or in-process) and a
// [bot] without app_id are allowed only when every listener involved is loopback and not behind
// a TLS proxy: the channel's (anonymous Connector calls, activities to the bot) and the bot's
// (its /api/messages takes unauthenticated activities).
void check_anonymous_bots(core::config& cfg, const settings& out) {
  for (std::size_t i = 0; i < out.channel.bots.size(); ++i) {
    const auto& b = out.channel.bots[i];
    if (!b.app_id.empty()) continue;
    auto problem = position_problem(out.net, "channel");
    if (problem.empty() && b.endpoint == channel::in_process_endpoint) problem = position_problem(out.net, "bot");
    if (!problem.empty()) {
      cfg.section("channel").error("bots[" + std::to_string(i) + "].app_id",
                                   "an anonymous bot (no app_id) is trusted by position, but " + problem +
                                       ": give the bot an app_id and app_password_hash");
    }
  }
  if (out.bot && out.bot->app_id.empty()) {
    auto problem = position_problem(out.net, "bot");
    if (problem.empty() && out.bot->channel_url.empty()) problem = position_problem(out.net, "channel");
    if (!problem.empty()) {
      cfg.section("bot").error("app_id", "an anonymous bot (no app_id) accepts unauthenticated activities, but " + problem +
                                             ": set app_id and app_password");
    }
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
  const bool channel_listener = has_listener(out.net, "channel");
  if (channel_listener && out.channel.bots.empty()) {
    cfg.section("channel").error("bots", "a channel listener needs at least one [[channel.bots]] entry");
  }
  out.login = login::parse_options(cfg.section("login"));
  out.bankx = bankx::parse_options(cfg.section("bankx"));
  const bool bot_listener = has_listener(out.net, "bot");
  if (bot_listener) out.bot = bot::parse_options(cfg.section("bot"));
  if (bot_listener && channel_listener) check_activity_limits(cfg, out.channel, *out.bot);
  out.assistant = assistant::parse_options(cfg.section("assistant"));
  out.desk = desk::parse_options(cfg.section("desk"));
  const bool desk_listener = has_listener(out.net, "desk");
  if (desk_listener && out.desk.tenants.empty()) {
    cfg.section("desk").error("tenants", "a desk listener needs at least one [[desk.tenants]] entry");
  }
  out.audit = audit::parse_options(cfg.section("audit"));
  check_anonymous_bots(cfg, out);
  cfg.check_sections({"log", "net", "crypto", "jose", "store", "bus", "channel", "login", "bankx", "bot", "assistant",
                      "desk", "audit"});
  return out;
}

bool has_listener(const net::options& net, std::string_view name) {
  return std::any_of(net.listeners.begin(), net.listeners.end(),
                     [&](const net::listener_options& l) { return l.name == name; });
}

net::client_options without_client_identity(const net::client_options& client) {
  net::client_options out;  // field by field: the mTLS key (a secret_string) is not copyable
  out.connect_timeout = client.connect_timeout;
  out.request_timeout = client.request_timeout;
  out.max_response_bytes = client.max_response_bytes;
  out.max_header_bytes = client.max_header_bytes;
  out.max_idle_per_host = client.max_idle_per_host;
  out.idle_timeout = client.idle_timeout;
  out.system_cas = client.system_cas;
  out.ca_file = client.ca_file;
  out.user_agent = client.user_agent;
  return out;
}

}  // namespace parley::app
