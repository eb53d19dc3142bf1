// Builds the channel for `parley serve` and `parley demo` (the composition root's job): the
// signing keys (wrapped by the root key), the outbound client to the bots, then channel::service
// over them, the conversation store and the bus (bus_wiring.hpp). Also the demo's embedded bot entry,
// whose secrets are generated at each start and never printed.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/channel/channel.hpp>
#include <parley/channel/handoff.hpp>
#include <parley/core/log.hpp>
#include <parley/crypto/options.hpp>
#include <parley/jose/key_store.hpp>
#include <parley/net/client.hpp>
#include <parley/net/options.hpp>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace parley::app {

/// What the channel needs from the configuration.
struct channel_plan {
  channel::options channel;
  jose::key_store_options keys;  ///< the signing-key file (purposes of token_service::key_purposes())
  crypto::options crypto;        ///< the root key that wraps the signing keys
  net::client_options client;    ///< the outbound client that delivers to bots
  std::shared_ptr<store::conversation_store> store;  ///< opened by the command (shared with other services)
  /// The store is shared by several nodes (PostgreSQL): stream tokens are recorded there when
  /// redeemed, so that each is used once across the cluster (ADR 0025).
  bool store_shared = false;
};

/// The credentials the demo generated for its bot: the bot web service of the demo (another
/// issue) receives them in-process; they are never printed or written anywhere.
struct demo_bot_credentials {
  std::string bot_id;
  std::string tenant;
  core::secret_string channel_secret;  ///< for tokens/generate
  std::string app_id;
  core::secret_string app_password;  ///< for the client-credentials token endpoint
};

/// The demo's embedded channel: tenant "bankx", bot "bankx-assistant" at `bot_endpoint`, with a
/// fresh random channel secret and app password whose scrypt hashes go into the plan.
struct demo_channel {
  channel_plan plan;
  demo_bot_credentials bot;
};
[[nodiscard]] std::optional<demo_channel> make_demo_channel(const std::filesystem::path& data_dir,
                                                            std::string bot_endpoint);

/// Everything the channel uses, alive for the whole run (declare it before the server).
class channel_runtime {
 public:
  /// Opens the signing keys, creates the client and the service over plan.store. On failure
  /// prints one clear line to stderr and returns nullptr.
  /// `bus` carries appended activities to the other channel nodes; it must outlive the runtime.
  /// `in_process` (may be null) receives the activities of bots whose endpoint is "in-process".
  /// `handoff` (may be null: no desk) hears the handoffs bots ask for (ADR 0021).
  [[nodiscard]] static std::unique_ptr<channel_runtime> create(boost::asio::io_context& io, channel_plan plan,
                                                               net::metrics_registry& metrics, bus::bus& bus,
                                                               channel::in_process_bot* in_process = nullptr,
                                                               channel::handoff_listener* handoff = nullptr);
  ~channel_runtime();

  [[nodiscard]] channel::service& service() { return *service_; }
  /// The signing keys (SIGHUP re-reads them: reload.hpp).
  [[nodiscard]] jose::signing_key_store& signing_keys() { return *keys_; }

 private:
  channel_runtime() = default;
  std::unique_ptr<jose::key_wrapper> wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
  std::shared_ptr<store::conversation_store> store_;
  std::unique_ptr<net::pooled_http_client> http_;
  std::unique_ptr<channel::service> service_;
};

}  // namespace parley::app
