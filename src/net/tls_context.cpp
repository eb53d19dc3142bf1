#include "tls_context.hpp"

#include <parley/net/tls_check.hpp>

#include <parley/net/error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace parley::net::detail {
namespace {

namespace ssl = boost::asio::ssl;

constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* groups = "X25519:P-256:P-384";

bool apply_profile(SSL_CTX* ctx, std::string& why) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 || SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
      SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 || SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, groups) != 1) {
    why = "cannot apply the TLS profile: " + openssl_error();
    return false;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                               SSL_OP_NO_TLSv1_1);
  // Mozilla: let the client pick among our (all strong) suites; never prefer the server's order.
  SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections (WebSockets above all) give their 2 × ~34 KiB record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  return true;
}

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                  void*) {
  static const unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, ours, sizeof ours, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no ALPN agreement: continue without (HTTP/1.1 is implied)
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Loads a PEM private key from memory (it never touches the disk again) and checks that it
// matches the certificate already loaded.
bool use_private_key(SSL_CTX* ctx, const core::secret_string& pem, const std::string& cert_file, std::string& why) {
  BIO* bio = BIO_new_mem_buf(pem.reveal().data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!key) {
    why = "cannot parse the private key for " + cert_file + " (PEM expected): " + openssl_error();
    return false;
  }
  const int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    why = "the private key does not match the certificate " + cert_file + ": " + openssl_error();
    return false;
  }
  return true;
}

}  // namespace

std::string openssl_error() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("unknown OpenSSL error") : out;
}

result<std::unique_ptr<ssl::context>> make_server_tls(const std::string& cert_file, const core::secret_string& key_pem,
                                                     std::string& why) {
  ERR_clear_error();
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (!apply_profile(native, why)) return make_error_code(errc::tls_setup_failed);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    why = "cannot load certificate chain " + cert_file + ": " + openssl_error();
    return make_error_code(errc::tls_setup_failed);
  }
  if (!use_private_key(native, key_pem, cert_file, why)) return make_error_code(errc::tls_setup_failed);
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  return ctx;
}

result<std::unique_ptr<ssl::context>> make_client_tls(const client_options& options, std::string& why) {
  ERR_clear_error();
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (!apply_profile(native, why)) return make_error_code(errc::tls_setup_failed);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  if (options.system_cas && SSL_CTX_set_default_verify_paths(native) != 1) {
    why = "cannot load the system CA store: " + openssl_error();
    return make_error_code(errc::tls_setup_failed);
  }
  if (!options.ca_file.empty() && SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1) {
    why = "cannot load CA file " + options.ca_file + ": " + openssl_error();
    return make_error_code(errc::tls_setup_failed);
  }
  if (!options.client_cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, options.client_cert_file.c_str()) != 1) {
      why = "cannot load client certificate " + options.client_cert_file + ": " + openssl_error();
      return make_error_code(errc::tls_setup_failed);
    }
    if (!options.client_key) {
      why = "client certificate without client key";
      return make_error_code(errc::tls_setup_failed);
    }
    if (!use_private_key(native, *options.client_key, options.client_cert_file, why)) {
      return make_error_code(errc::tls_setup_failed);
    }
  }
  static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(native, alpn, sizeof alpn);
  return ctx;
}

}  // namespace parley::net::detail

namespace parley::net {

std::string check_server_tls(const listener_options& listener) {
  if (listener.tls_cert_file.empty()) return {};
  if (!listener.tls_key) return "tls_cert_file without tls_key";
  std::string why;
  if (!detail::make_server_tls(listener.tls_cert_file, *listener.tls_key, why)) return why.empty() ? "TLS setup failed" : why;
  return {};
}

std::string check_client_tls(const client_options& client) {
  std::string why;
  if (!detail::make_client_tls(client, why)) return why.empty() ? "TLS setup failed" : why;
  return {};
}

}  // namespace parley::net
