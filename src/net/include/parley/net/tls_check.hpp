// Start-up checks of TLS material, without a socket: `parley check-config` and `parley serve`
// run them before binding a port, so that a bad certificate or key fails both the same way.
#pragma once

#include <parley/net/options.hpp>

#include <string>

namespace parley::net {

/// Builds the server TLS context `listener` would use (tls_cert_file, tls_key) and throws it away.
/// Returns "" when it works or TLS is off; else the reason (file name and OpenSSL's error, never
/// key material). Thread-safe.
[[nodiscard]] std::string check_server_tls(const listener_options& listener);

/// The same for a client context (ca_file, client_cert_file, client_key).
[[nodiscard]] std::string check_client_tls(const client_options& client);

}  // namespace parley::net
