// Runs listeners until SIGTERM/SIGINT, then shuts down gracefully (not ready, stop accepting,
// finish in-flight requests within the deadline, close WebSockets with 1001) and returns 0.
// Shared by `parley serve` and `parley demo`.
#pragma once

#include "audit_wiring.hpp"
#include "bot_wiring.hpp"
#include "channel_wiring.hpp"
#include "desk_wiring.hpp"
#include "settings.hpp"

#include <parley/net/options.hpp>
#include <parley/store/conversation_store.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parley::app {

struct run_plan {
  net::options net;                                ///< listeners must be set
  settings config;                                 ///< every component's options (its `net` is unused)
  std::shared_ptr<store::conversation_store> store;  ///< the opened store, or null (no channel or bot configured)
  std::shared_ptr<store::desk_store> desk_store;   ///< the same store's desk sessions (set with `store`)
  std::shared_ptr<store::desk_queue_store> desk_queue;  ///< the same store's desk queue (set with `store`)
  std::filesystem::path data_dir;                  ///< for the services (may be empty)
  std::optional<std::filesystem::path> ready_file;  ///< written once every listener is up
  const char* banner = "parley";                   ///< prefix of the start-up lines
  std::optional<channel_plan> channel;             ///< required when a "channel" listener is configured
  std::optional<demo_bot_credentials> demo_bot;    ///< demo: what the demo's bot web service gets
  std::optional<bot_plan> bot;                     ///< required when a "bot" listener is configured
  std::optional<desk_plan> desk;                   ///< required when a "desk" listener is configured
  /// More members of the ready file: key → a serialised JSON value (the demo's desk_accounts).
  std::vector<std::pair<std::string, std::string>> ready_extra;
  std::optional<audit_plan> audit;                 ///< the audit log over the opened store (with `store`)
  std::filesystem::path config_file;               ///< re-read at SIGHUP (reload.hpp); empty: none
};

/// Returns the process exit code: 0 after a signal-driven graceful stop, 1 when a listener or a
/// service cannot start (the message says which and why), 2 for an unknown service name.
[[nodiscard]] int run_services(run_plan plan);

}  // namespace parley::app
