// The TLS profile Parley promises (SECURITY.md promise 7, Mozilla "intermediate"), checked on the
// XML report of Debian's sslscan: TLS 1.2 and 1.3 only, ECDHE with AEAD suites only (GCM and
// ChaCha20-Poly1305), no compression, no known vulnerability flag, only modern key-exchange
// groups. Used by net_tls_test (the net server with a test CA's EC certificate) and by
// sslscan_check, which parley_serve_tls_test.sh runs on `parley serve` with an RSA certificate.
#pragma once

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace parley::test {

/// Every way `xml` (sslscan --xml) departs from the profile; empty when it matches.
inline std::vector<std::string> sslscan_problems(const std::string& xml) {
  std::vector<std::string> problems;
  if (xml.find("<ssltest") == std::string::npos) return {"no <ssltest> in the report"};

  const std::regex protocol_re(R"re(<protocol type="(\w+)" version="([\d.]+)" enabled="(\d)")re");
  std::set<std::string> enabled;
  std::size_t protocols = 0;
  for (std::sregex_iterator it(xml.begin(), xml.end(), protocol_re), end; it != end; ++it) {
    ++protocols;
    if ((*it)[3] == "1") enabled.insert((*it)[1].str() + (*it)[2].str());
  }
  if (protocols < 4) problems.push_back("fewer than 4 protocols tested");
  if (enabled != std::set<std::string>{"tls1.2", "tls1.3"}) {
    std::string list;
    for (const auto& p : enabled) list += p + " ";
    problems.push_back("enabled protocols are not exactly TLS 1.2 and 1.3: " + list);
  }

  const std::set<std::string> allowed = {
      "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",   "ECDHE-ECDSA-AES256-GCM-SHA384",
      "ECDHE-RSA-AES256-GCM-SHA384",   "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
      "TLS_AES_128_GCM_SHA256",        "TLS_AES_256_GCM_SHA384",        "TLS_CHACHA20_POLY1305_SHA256"};
  const std::regex cipher_re(R"re(<cipher status="\w+" sslversion="([\w.]+)"[^>]* cipher="([\w-]+)")re");
  std::set<std::string> versions;
  std::size_t ciphers = 0;
  for (std::sregex_iterator it(xml.begin(), xml.end(), cipher_re), end; it != end; ++it) {
    ++ciphers;
    versions.insert((*it)[1]);
    if (!allowed.count((*it)[2])) problems.push_back("non-AEAD or non-ECDHE suite accepted: " + (*it)[2].str());
  }
  if (ciphers < 4) problems.push_back("fewer than 4 cipher suites accepted");
  if (versions != std::set<std::string>{"TLSv1.2", "TLSv1.3"})
    problems.push_back("suites not on exactly TLS 1.2 and 1.3");
  if (xml.find("<compression supported=\"1\"") != std::string::npos) problems.push_back("TLS compression supported");
  if (xml.find("vulnerable=\"1\"") != std::string::npos) problems.push_back("sslscan flags a vulnerability");
  const std::regex group_re(R"re(<group sslversion="[\w.]+" bits="\d+" name="([\w-]+)")re");
  for (std::sregex_iterator it(xml.begin(), xml.end(), group_re), end; it != end; ++it) {
    const std::string g = (*it)[1];
    if (!(g == "x25519" || g == "secp256r1 (NIST P-256)" || g == "secp256r1" || g == "secp384r1" ||
          g == "prime256v1")) {
      problems.push_back("unexpected key-exchange group " + g);
    }
  }
  return problems;
}

}  // namespace parley::test
