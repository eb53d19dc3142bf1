// The end of validity of each TLS listener's certificate as a metric
// (parley_tls_certificate_expiry_timestamp_seconds{listener}; docs/metrics.md), so that an alert
// fires weeks before a certificate expires. Read once at start: a renewed certificate is read by
// the restart that installs it.
#pragma once

#include <parley/net/metrics.hpp>
#include <parley/net/options.hpp>

#include <optional>
#include <string>

namespace parley::app {

/// notAfter of the first certificate in the PEM file, in seconds since the epoch; nullopt when the
/// file does not hold a certificate (start-up checks have refused such a file before).
[[nodiscard]] std::optional<double> certificate_not_after(const std::string& pem_file);

/// Sets the gauge for every listener with a tls_cert_file.
void publish_certificate_expiry(const net::options& net, net::metrics_registry& metrics);

}  // namespace parley::app
