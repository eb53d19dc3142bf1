// Private: AES-256-GCM over EVP with explicit nonces, and the nonce source. Only aead.cpp and the
// published-vector tests use this layer directly; everything else goes through aead_key.
#pragma once

#include <parley/core/random.hpp>

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

namespace parley::crypto::detail {

inline constexpr std::size_t gcm_key_size = 32;
inline constexpr std::size_t gcm_nonce_size = 12;
inline constexpr std::size_t gcm_tag_size = 16;

/// AES-256-GCM, fetched once from the default provider.
[[nodiscard]] const EVP_CIPHER* aes_256_gcm() noexcept;

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

/// A context keyed for encryption (`encrypt`) or decryption; null on OpenSSL failure.
[[nodiscard]] cipher_ctx keyed_ctx(std::span<const std::uint8_t, gcm_key_size> key, bool encrypt);

using bytes_view = std::span<const std::uint8_t>;

/// Encrypts `plaintext` into `ciphertext` (same size, may not overlap) and writes the tag.
/// `ctx` comes from keyed_ctx(key, true); only the nonce is set here, so the key schedule is
/// reused. Associated data is the concatenation of `aad` pieces. False on OpenSSL failure.
[[nodiscard]] bool gcm_seal(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t, gcm_nonce_size> nonce,
                            std::initializer_list<bytes_view> aad, bytes_view plaintext, std::uint8_t* ciphertext,
                            std::span<std::uint8_t, gcm_tag_size> tag);

/// Decrypts and verifies. On a tag mismatch returns false and wipes the `plaintext` it wrote, so
/// no unauthenticated byte survives.
[[nodiscard]] bool gcm_open(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t, gcm_nonce_size> nonce,
                            std::initializer_list<bytes_view> aad, bytes_view ciphertext, std::uint8_t* plaintext,
                            std::span<const std::uint8_t, gcm_tag_size> tag);

/// A fresh 96-bit random nonce. With the OS CSPRNG (`rng` null or core::os_random()) nonces come
/// from a per-thread pool refilled 64 at a time, because one RAND_bytes call costs more than
/// sealing a 1 KiB record; a fork discards the pool so parent and child never share a nonce.
/// Any other `rng` (tests) is asked directly.
void next_nonce(core::random_source* rng, std::span<std::uint8_t, gcm_nonce_size> out);

}  // namespace parley::crypto::detail
