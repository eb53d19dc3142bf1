// Reads every component's options from one configuration (the composition root's job).
// Each component parses its own section; this file only calls them in order and checks that no
// unknown section remains.
#pragma once

#include <bankx/options.hpp>
#include <parley/assistant/options.hpp>
#include <parley/audit/options.hpp>
#include <parley/bot/options.hpp>
#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/bus/options.hpp>
#include <parley/channel/options.hpp>
#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/desk/options.hpp>
#include <parley/net/options.hpp>

#include <optional>
#include <string_view>
#include <parley/crypto/options.hpp>
#include <parley/jose/options.hpp>
#include <parley/login/options.hpp>
#include <parley/store/options.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#ifdef PARLEY_WITH_POSTGRES
#include <parley/store/postgres/postgres_backend.hpp>
#endif

namespace parley::app {

struct settings {
  core::log_options log;
  net::options net;
  crypto::options crypto;
  jose::options jose;
  channel::options channel;  ///< [channel] and its [[channel.bots]]
  login::options login;  ///< the end user's login to each tenant's bank (src/login)
  store::options store;
  store::sqlite::options store_sqlite;
#ifdef PARLEY_WITH_POSTGRES
  store::postgres::options store_postgres;
#endif
  bus::options bus;                 ///< [bus]: in-process (default) or AMQP 1.0
  bus::amqp::options bus_amqp;      ///< [bus.amqp], checked when [bus] backend = "amqp"
  bankx::options bankx;             ///< the example bank (examples/bankx), run by `parley demo`
  std::optional<bot::options> bot;  ///< [bot], read when a "bot" listener is configured
  assistant::options assistant;     ///< [assistant]: the runtime's limits
  desk::options desk;               ///< [desk] and its [[desk.tenants]] (the service desk)
  audit::options audit;             ///< [audit]: the audit log's checkpoints and their key file
};

/// Reads all sections; problems are collected in `cfg.errors()`.
[[nodiscard]] settings read_settings(core::config& cfg);

/// True when a listener of that name ("channel", "bot", "desk", ...) is configured: what decides
/// which services a process runs.
[[nodiscard]] bool has_listener(const net::options& net, std::string_view name);

/// The [net] client settings for a service's own outbound client: all of them but the mTLS client
/// identity, which is the channel's to present to bots.
[[nodiscard]] net::client_options without_client_identity(const net::client_options& client);

}  // namespace parley::app
