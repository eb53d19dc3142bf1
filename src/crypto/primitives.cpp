#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

namespace parley::crypto {
namespace {

// Algorithms are fetched once: an implicit fetch per call costs a provider lookup under a lock.
const EVP_MD* fetched_sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  PARLEY_CHECK(md != nullptr, "SHA256 unavailable in the OpenSSL default provider");
  return md;
}

EVP_MAC* fetched_hmac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  PARLEY_CHECK(mac != nullptr, "HMAC unavailable in the OpenSSL default provider");
  return mac;
}

EVP_KDF* fetched_hkdf() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  PARLEY_CHECK(kdf != nullptr, "HKDF unavailable in the OpenSSL default provider");
  return kdf;
}

// OSSL_PARAM wants non-const pointers even for inputs it only reads.
void* in_param(std::span<const std::uint8_t> s) { return const_cast<std::uint8_t*>(s.data()); }

}  // namespace

result<secure_buffer> random_secret(std::size_t size, core::random_source& rng) {
  auto buf = secure_buffer::allocate(size);
  if (!buf) return buf.error();
  rng.fill(buf->bytes());
  return buf;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return constant_time_equal(as_bytes(a), as_bytes(b));
}

sha256_digest sha256(std::span<const std::uint8_t> data) {
  sha256_digest out{};
  unsigned int n = 0;
  PARLEY_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &n, fetched_sha256(), nullptr) == 1 && n == out.size(),
               "EVP_Digest(SHA256) failed");
  return out;
}

sha256_digest sha256(std::string_view data) { return sha256(as_bytes(data)); }

sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  sha256_digest out{};
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(fetched_hmac());
  PARLEY_CHECK(ctx != nullptr, "EVP_MAC_CTX_new failed");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t empty = 0;
  const std::uint8_t* key_ptr = key.empty() ? &empty : key.data();
  std::size_t n = 0;
  const bool ok = EVP_MAC_init(ctx, key_ptr, key.size(), params) == 1 &&
                  EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
                  EVP_MAC_final(ctx, out.data(), &n, out.size()) == 1 && n == out.size();
  EVP_MAC_CTX_free(ctx);  // clears the keyed state it holds
  PARLEY_CHECK(ok, "HMAC-SHA256 failed");
  return out;
}

result<void> hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (ikm.empty() || out.empty() || out.size() > 255 * 32) return errc::invalid_argument;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(fetched_hkdf());
  if (ctx == nullptr) return errc::internal;
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, in_param(ikm), ikm.size());
  if (!salt.empty()) params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, in_param(salt), salt.size());
  if (!info.empty()) params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, in_param(info), info.size());
  params[n] = OSSL_PARAM_construct_end();
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) {
    secure_wipe(out);
    return errc::internal;
  }
  return {};
}

void secure_wipe(std::span<std::uint8_t> bytes) noexcept {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

void secure_wipe(std::string& s) noexcept {
  // Wipe the full capacity: a shorter string may have left bytes of a longer one behind.
  s.resize(s.capacity());
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace parley::crypto
