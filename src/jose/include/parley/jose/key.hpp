// Asymmetric keys for JWS: the three algorithms Parley implements and the key objects that hold
// them. Keys live only inside OpenSSL EVP_PKEY objects (RAII, shared, immutable); serialised
// private keys exist only in a secret_bytes buffer, wiped when it is destroyed.
//
// There is deliberately no public "verify this signature" call: tokens are verified only through a
// token profile (token.hpp), so that no caller can skip the issuer/audience/type/time checks.
//
// Thread-safety: public_key and signing_key are immutable and safe to share between threads; each
// keeps a small pool of prepared OpenSSL contexts behind a mutex.
#pragma once

#include <parley/core/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

namespace detail {
class key_impl;
}

/// JWS algorithms (RFC 7518, RFC 8037). One algorithm per key: a P-256 key is ES256 only, an
/// Ed25519 key EdDSA only, an RSA key RS256 only. `none` and HMAC do not exist here on purpose.
enum class algorithm {
  es256,  ///< ECDSA P-256 + SHA-256, signature raw r||s (64 bytes)
  eddsa,  ///< Ed25519 (RFC 8037)
  rs256,  ///< RSASSA-PKCS1-v1_5 + SHA-256, modulus >= 2048 bits
};

/// "ES256", "EdDSA", "RS256".
[[nodiscard]] std::string_view to_string(algorithm alg) noexcept;
/// Exact, case-sensitive match of a JWS `alg` value; nullopt for anything else ("none", "HS256", "es256").
[[nodiscard]] std::optional<algorithm> algorithm_from_string(std::string_view name) noexcept;

/// Bytes that are wiped (OPENSSL_cleanse) when destroyed or overwritten. Move-only.
class secret_bytes {
 public:
  secret_bytes() = default;
  explicit secret_bytes(std::vector<std::uint8_t> bytes) noexcept : bytes_(std::move(bytes)) {}
  secret_bytes(secret_bytes&& other) noexcept;
  secret_bytes& operator=(secret_bytes&& other) noexcept;
  secret_bytes(const secret_bytes&) = delete;
  secret_bytes& operator=(const secret_bytes&) = delete;
  ~secret_bytes();
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

 private:
  void wipe() noexcept;
  std::vector<std::uint8_t> bytes_;
};

/// A public key usable for exactly one algorithm. Cheap to copy (shared, immutable).
class public_key {
 public:
  [[nodiscard]] algorithm alg() const noexcept;
  /// Key size in bits (256 for P-256 and Ed25519, the modulus size for RSA).
  [[nodiscard]] unsigned bits() const noexcept;
  /// RFC 7638 JWK thumbprint (SHA-256, base64url), Parley's default `kid`.
  [[nodiscard]] const std::string& thumbprint() const noexcept;
  /// For jose's own implementation (the type is only defined inside the component).
  [[nodiscard]] const std::shared_ptr<const detail::key_impl>& impl() const noexcept { return impl_; }
  explicit public_key(std::shared_ptr<const detail::key_impl> impl) noexcept : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const detail::key_impl> impl_;
};

/// A private key with its `kid`, for signing Parley's own tokens. Cheap to copy (shared, immutable).
class signing_key {
 public:
  /// A fresh key from the OS CSPRNG; kid = RFC 7638 thumbprint. `rsa_bits` (>= 2048) only for RS256.
  /// Errors: errc::bad_key (rsa_bits < 2048), errc::crypto_failure.
  [[nodiscard]] static result<signing_key> generate(algorithm alg, unsigned rsa_bits = 2048);
  /// Loads a PKCS#8 DER private key, which must be a key for `alg`; kid = thumbprint.
  /// Errors: errc::bad_key (unparsable, other type or curve, RSA < 2048 bits).
  [[nodiscard]] static result<signing_key> from_pkcs8(std::span<const std::uint8_t> der, algorithm alg);
  /// The private key as PKCS#8 DER, for wrapping and storage only.
  [[nodiscard]] result<secret_bytes> to_pkcs8() const;

  [[nodiscard]] algorithm alg() const noexcept { return public_.alg(); }
  [[nodiscard]] const std::string& kid() const noexcept { return public_.thumbprint(); }
  [[nodiscard]] const public_key& public_part() const noexcept { return public_; }
  /// For jose's own implementation.
  [[nodiscard]] const std::shared_ptr<const detail::key_impl>& impl() const noexcept { return impl_; }
  signing_key(std::shared_ptr<const detail::key_impl> impl, public_key pub) noexcept
      : impl_(std::move(impl)), public_(std::move(pub)) {}

 private:
  std::shared_ptr<const detail::key_impl> impl_;
  public_key public_;
};

}  // namespace parley::jose
