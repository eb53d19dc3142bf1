// `parley dev-tls --dir DIR`: a local certificate authority and a certificate for the loopback
// addresses signed by it, for development only: the channel needs TLS even on loopback as soon as
// a bot authenticates (MSAL refuses http:// authorities). Prints the [[net.listeners]] lines and
// the NODE_EXTRA_CA_CERTS line that makes Node bots trust it. Never overwrites a file; run again
// on a complete directory, it only prints the lines.
#include "commands.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

constexpr long ca_days = 365;
constexpr long leaf_days = 365;

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (issuer null: self-signed).
x509_ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long days, bool ca) {
  x509_ptr x(X509_new());
  if (!x || X509_set_version(x.get(), 2) != 1) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get())) != nullptr;
  BN_free(bn);
  if (!serial_ok) return nullptr;
  if (X509_gmtime_adj(X509_getm_notBefore(x.get()), -300) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x.get()), days * 24 * 3600) == nullptr || X509_set_pubkey(x.get(), key) != 1) {
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(x.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Parley development"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0) !=
          1) {
    return nullptr;
  }
  X509* signer = issuer != nullptr ? issuer : x.get();
  if (X509_set_issuer_name(x.get(), X509_get_subject_name(signer)) != 1) return nullptr;
  const bool ext_ok = ca ? add_ext(x.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
                               add_ext(x.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
                               add_ext(x.get(), signer, NID_subject_key_identifier, "hash")
                         : add_ext(x.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
                               add_ext(x.get(), signer, NID_key_usage, "critical,digitalSignature") &&
                               add_ext(x.get(), signer, NID_ext_key_usage, "serverAuth") &&
                               add_ext(x.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") &&
                               add_ext(x.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (!ext_ok) return nullptr;
  if (X509_sign(x.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) return nullptr;
  return x;
}

// Created with O_EXCL (never overwrites, never follows a symlink) and `mode`.
bool write_pem(const fs::path& file, mode_t mode, EVP_PKEY* key, X509* cert) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return false;
  FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) {
    ::close(fd);
    return false;
  }
  const bool ok = key != nullptr ? PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1
                                 : PEM_write_X509(f, cert) == 1;
  return (std::fclose(f) == 0) && ok;
}

void print_lines(const fs::path& dir) {
  std::printf(
      "# [[net.listeners]] of the channel (and any listener a bot or browser reaches):\n"
      "tls_cert_file = \"%s\"\n"
      "tls_key = { file = \"%s\" }\n"
      "# Node bots (botbuilder, MSAL) trust the development CA with:\n"
      "NODE_EXTRA_CA_CERTS=%s\n",
      (dir / "cert.pem").c_str(), (dir / "key.pem").c_str(), (dir / "ca.pem").c_str());
}

int dev_tls(const fs::path& given) {
  std::error_code ec;
  const fs::path dir = fs::absolute(given, ec);
  if (ec) return 1;
  const fs::path files[] = {dir / "ca.pem", dir / "ca.key", dir / "cert.pem", dir / "key.pem"};
  int present = 0;
  for (const auto& f : files) present += fs::exists(fs::symlink_status(f, ec)) ? 1 : 0;
  if (present == 4) {
    std::fprintf(stderr, "parley dev-tls: %s already holds a development CA and certificate (kept as they are)\n",
                 dir.c_str());
    print_lines(dir);
    return 0;
  }
  if (present != 0) {
    std::fprintf(stderr,
                 "parley dev-tls: %s holds some of ca.pem, ca.key, cert.pem, key.pem but not all: remove them or "
                 "choose another directory (nothing is overwritten)\n",
                 dir.c_str());
    return 1;
  }
  fs::create_directories(dir, ec);
  if (ec || ::chmod(dir.c_str(), 0700) != 0) {
    std::fprintf(stderr, "parley dev-tls: cannot create the directory %s\n", dir.c_str());
    return 1;
  }
  pkey_ptr ca_key(EVP_EC_gen("P-256"));
  pkey_ptr leaf_key(EVP_EC_gen("P-256"));
  if (!ca_key || !leaf_key) {
    std::fprintf(stderr, "parley dev-tls: cannot generate keys\n");
    return 1;
  }
  auto ca =
      make_cert(ca_key.get(), "Parley development CA (do not trust in production)", nullptr, nullptr, ca_days, true);
  auto leaf = ca ? make_cert(leaf_key.get(), "localhost", ca.get(), ca_key.get(), leaf_days, false) : nullptr;
  if (!ca || !leaf) {
    std::fprintf(stderr, "parley dev-tls: cannot make the certificates\n");
    return 1;
  }
  if (!write_pem(dir / "ca.key", 0600, ca_key.get(), nullptr) || !write_pem(dir / "ca.pem", 0644, nullptr, ca.get()) ||
      !write_pem(dir / "key.pem", 0600, leaf_key.get(), nullptr) ||
      !write_pem(dir / "cert.pem", 0644, nullptr, leaf.get())) {
    std::fprintf(stderr, "parley dev-tls: cannot write the files in %s\n", dir.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "parley dev-tls: a development CA (ca.pem, ca.key) and a certificate for 127.0.0.1, ::1 and localhost "
               "(cert.pem, key.pem) in %s, valid %ld days; for development only\n",
               dir.c_str(), leaf_days);
  print_lines(dir);
  return 0;
}

}  // namespace

command add_dev_tls(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "dev-tls", "Make a development CA and a loopback certificate; print the listener and NODE_EXTRA_CA_CERTS lines");
  auto dir = std::make_shared<std::string>();
  sub->add_option("--dir", *dir, "Directory for ca.pem, ca.key, cert.pem, key.pem (created 0700)")->required();
  return [dir] { return dev_tls(*dir); };
}

}  // namespace parley::app
