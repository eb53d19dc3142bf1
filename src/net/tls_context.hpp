// Private: OpenSSL contexts with Mozilla's "intermediate" profile (guideline 6.0 as far as
// OpenSSL 3.0 goes): TLS 1.2 and 1.3 only, ECDHE + AEAD suites only for 1.2, groups X25519,
// P-256, P-384, no server cipher preference, no renegotiation, no compression.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/log.hpp>
#include <parley/net/options.hpp>

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace parley::net::detail {

/// A server context with `cert_file` (PEM chain) and `key_pem`. errc::tls_setup_failed with the
/// reason (file name and OpenSSL's error string, never key material) in `why`.
[[nodiscard]] result<std::unique_ptr<boost::asio::ssl::context>> make_server_tls(const std::string& cert_file,
                                                                                const core::secret_string& key_pem,
                                                                                std::string& why);

/// A client context: peer verification on, system CAs and/or options.ca_file, optional client
/// certificate. Same error convention.
[[nodiscard]] result<std::unique_ptr<boost::asio::ssl::context>> make_client_tls(const client_options& options,
                                                                                std::string& why);

/// The last OpenSSL error as text (and clears the queue).
[[nodiscard]] std::string openssl_error();

}  // namespace parley::net::detail
