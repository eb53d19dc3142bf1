// The services the `parley` binary can run, one listener each. This table is the one place that
// says which routes a listener serves: adding a service (channel, bot, desk, bank example) means
// adding a row here and its routes function. `serve` takes listeners from [[net.listeners]] by
// name; `demo` runs every row on loopback at port_base + port_offset.
#pragma once

#include "settings.hpp"

#include <parley/audit/sink.hpp>
#include <parley/channel/channel.hpp>
#include <parley/net/health.hpp>
#include <parley/net/metrics.hpp>
#include <parley/net/router.hpp>
#include <parley/net/server.hpp>
#include <parley/store/conversation_store.hpp>

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::app {

struct demo_bot_credentials;  // channel_wiring.hpp
class bot_runtime;            // bot_wiring.hpp
class desk_runtime;           // desk_wiring.hpp

/// What a service's routes may use. Lives for the whole run.
struct service_context {
  net::server& server;
  net::metrics_registry& metrics;
  std::filesystem::path data_dir;  ///< demo: the data directory; serve: empty for now
  const settings& config;          ///< every component's options (demo: the embedded defaults)
  store::conversation_store* store;  ///< the encrypted store, or null when none is configured
  channel::service* channel = nullptr;  ///< set when a "channel" listener is configured
  const demo_bot_credentials* demo_bot = nullptr;  ///< demo: the bot's channel credentials
  bot_runtime* bot = nullptr;  ///< set when a "bot" listener is configured
  desk_runtime* desk = nullptr;  ///< set when a "desk" listener is configured
  /// The audit log (audit::log over the store), set whenever a store is opened; services that
  /// act on people's data append to it and refuse to act when it fails (sink.hpp).
  audit::sink* audit = nullptr;
  /// What /readyz requires besides the server being up (the bus's broker, ...); may be empty.
  net::readiness_check readiness;
};

struct service {
  std::string_view name;         ///< listener name, e.g. "ops"
  std::uint16_t port_offset;     ///< demo port = port base + offset (documented in README.md)
  /// Adds the service's routes (handlers keep what they use alive). Returns false when the
  /// service cannot start; it has then printed why to stderr (no secrets in the message).
  bool (*add_routes)(net::router&, service_context&);
  /// Entries of the demo's ready file and start-up banner: key → path on this listener.
  std::vector<std::pair<std::string_view, std::string_view>> urls;
  /// Called once the listener is bound, with its base URL (e.g. the channel learns its public
  /// URL); false stops the start-up. May be null.
  bool (*on_listening)(service_context&, const std::string& base_url) = nullptr;
};

/// Every service, in start order.
[[nodiscard]] const std::vector<service>& services();
[[nodiscard]] const service* find_service(std::string_view name);

}  // namespace parley::app
