#include "tls_expiry.hpp"

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace parley::app {

std::optional<double> certificate_not_after(const std::string& pem_file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(pem_file.c_str(), "r"), &std::fclose);
  if (!f) return std::nullopt;
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) return std::nullopt;
  return static_cast<double>(::timegm(&tm));
}

void publish_certificate_expiry(const net::options& net, net::metrics_registry& metrics) {
  for (const auto& l : net.listeners) {
    if (l.tls_cert_file.empty()) continue;
    if (const auto not_after = certificate_not_after(l.tls_cert_file)) {
      metrics
          .gauge_for("parley_tls_certificate_expiry_timestamp_seconds",
                     "End of validity (notAfter) of the listener's TLS certificate, seconds since the epoch",
                     {{"listener", l.name}})
          .set(*not_after);
    }
  }
}

}  // namespace parley::app
