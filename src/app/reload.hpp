// What SIGHUP (`systemctl reload parley`, ExecReload) re-reads while streams stay open: the TLS
// certificate and key of every running TLS listener, from the configuration file as it is now
// (renewed files at the configured paths, or new paths), and the channel's signing keys (a
// rotation made by `parley keys rotate` in another process). Everything else in the file needs a
// restart; a reload that cannot read something keeps what is in use and logs why (the process
// stays up). A key given as { env = "..." } cannot be re-read (the variable left the environment
// at start-up): such a listener keeps its certificate, with an error line saying so.
// Thread-safety: reload() runs on the io_context, one at a time (the signal handler's job).
#pragma once

#include <parley/jose/key_store.hpp>
#include <parley/net/metrics.hpp>
#include <parley/net/server.hpp>

#include <filesystem>

namespace parley::app {

struct reload_targets {
  std::filesystem::path config_file;                ///< empty: no file (the demo), nothing to re-read
  net::server* server = nullptr;                    ///< its TLS listeners get the new certificates
  net::metrics_registry* metrics = nullptr;         ///< parley_tls_certificate_expiry_timestamp_seconds
  jose::signing_key_store* signing_keys = nullptr;  ///< the channel's, when it runs
};

/// Re-reads what is listed above; true when everything re-read loaded (false: see the log).
bool reload(const reload_targets& targets);

}  // namespace parley::app
