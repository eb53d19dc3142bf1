// A throw-away PKI for tests: a CA and certificates it issues (EC P-256, SHA-256), written as PEM
// files into a directory the test owns. Made with OpenSSL's API, no `openssl` binary needed.
// Not thread-safe; create it on the test's thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace parley::net::testing {

struct test_certificate {
  std::filesystem::path cert_file;  ///< PEM certificate
  std::filesystem::path key_file;   ///< PEM private key (mode 0600)
  std::string key_pem;
};

class test_pki {
 public:
  /// Creates `dir` if needed and a CA named `name` in it (ca.pem / ca-key.pem prefixed by name).
  explicit test_pki(std::filesystem::path dir, std::string name = "parley-test-ca");
  ~test_pki();
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  [[nodiscard]] const std::filesystem::path& ca_file() const noexcept { return ca_file_; }

  /// A leaf certificate for `dns_names` and `ip_addresses` (subjectAltName), for server and
  /// client authentication, valid from an hour ago for `days`.
  test_certificate issue(const std::string& file_stem, const std::vector<std::string>& dns_names,
                         const std::vector<std::string>& ip_addresses, int days = 30);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::filesystem::path dir_;
  std::filesystem::path ca_file_;
};

}  // namespace parley::net::testing
