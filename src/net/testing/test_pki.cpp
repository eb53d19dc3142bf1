#include <parley/core/error.hpp>
#include <parley/net/testing/test_pki.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <fstream>

namespace parley::net::testing {
namespace {

std::string pem_of_key(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PARLEY_CHECK(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "key to PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string pem_of_cert(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PARLEY_CHECK(PEM_write_bio_X509(bio, cert) == 1, "cert to PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& text, bool secret) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  if (secret) ::chmod(p.c_str(), 0600);
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  PARLEY_CHECK(ext != nullptr, "bad certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* new_cert(EVP_PKEY* key, const std::string& cn, int days) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * days);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace

struct test_pki::impl {
  EVP_PKEY* ca_key = nullptr;
  X509* ca_cert = nullptr;
  ~impl() {
    X509_free(ca_cert);
    EVP_PKEY_free(ca_key);
  }
};

test_pki::test_pki(std::filesystem::path dir, std::string name) : impl_(std::make_unique<impl>()), dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  impl_->ca_key = EVP_EC_gen("P-256");
  PARLEY_CHECK(impl_->ca_key != nullptr, "EC key generation");
  impl_->ca_cert = new_cert(impl_->ca_key, name, 365);
  X509_set_issuer_name(impl_->ca_cert, X509_get_subject_name(impl_->ca_cert));
  add_ext(impl_->ca_cert, impl_->ca_cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(impl_->ca_cert, impl_->ca_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(impl_->ca_cert, impl_->ca_cert, NID_subject_key_identifier, "hash");
  PARLEY_CHECK(X509_sign(impl_->ca_cert, impl_->ca_key, EVP_sha256()) > 0, "CA signature");
  ca_file_ = dir_ / (name + ".pem");
  write_file(ca_file_, pem_of_cert(impl_->ca_cert), false);
  write_file(dir_ / (name + "-key.pem"), pem_of_key(impl_->ca_key), true);
}

test_pki::~test_pki() = default;

test_certificate test_pki::issue(const std::string& stem, const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ips, int days) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  PARLEY_CHECK(key != nullptr, "EC key generation");
  X509* cert = new_cert(key, dns_names.empty() ? stem : dns_names.front(), days);
  X509_set_issuer_name(cert, X509_get_subject_name(impl_->ca_cert));
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& i : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + i;
  if (!san.empty()) add_ext(cert, impl_->ca_cert, NID_subject_alt_name, san);
  add_ext(cert, impl_->ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert, impl_->ca_cert, NID_key_usage, "critical,digitalSignature");
  add_ext(cert, impl_->ca_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  add_ext(cert, impl_->ca_cert, NID_authority_key_identifier, "keyid:always");
  PARLEY_CHECK(X509_sign(cert, impl_->ca_key, EVP_sha256()) > 0, "leaf signature");
  test_certificate out;
  out.cert_file = dir_ / (stem + ".pem");
  out.key_file = dir_ / (stem + "-key.pem");
  out.key_pem = pem_of_key(key);
  write_file(out.cert_file, pem_of_cert(cert), false);
  write_file(out.key_file, out.key_pem, true);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace parley::net::testing
