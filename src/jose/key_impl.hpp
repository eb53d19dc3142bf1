// Private: the OpenSSL side of jose keys. Only jose's own sources include this header; it is what
// lets the token validator verify a signature while no public header offers "verify only".
#pragma once

#include <parley/jose/key.hpp>

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace parley::jose::detail {

struct pkey_deleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

/// The public members of a JWK, base64url, computed once per key.
struct jwk_members {
  std::string kty;  // "EC", "OKP", "RSA"
  std::string crv;  // "P-256", "Ed25519" (empty for RSA)
  std::string x, y; // EC / OKP
  std::string n, e; // RSA
};

/// Which algorithm the key is for, or errc::bad_key (unsupported type, curve, RSA < 2048 bits).
[[nodiscard]] result<algorithm> algorithm_of(EVP_PKEY* pkey);

/// One EVP_PKEY plus pools of prepared sign/verify contexts. Immutable from the outside; the
/// pools are guarded by a mutex so that any number of threads can verify with one key.
class key_impl {
 public:
  /// Takes ownership. `has_private` says whether sign() may be used.
  static result<std::shared_ptr<const key_impl>> make(pkey_ptr pkey, bool has_private);
  ~key_impl();
  key_impl(const key_impl&) = delete;
  key_impl& operator=(const key_impl&) = delete;

  [[nodiscard]] algorithm alg() const noexcept { return alg_; }
  [[nodiscard]] unsigned bits() const noexcept { return bits_; }
  [[nodiscard]] EVP_PKEY* pkey() const noexcept { return pkey_.get(); }
  [[nodiscard]] const jwk_members& members() const noexcept { return members_; }
  [[nodiscard]] const std::string& thumbprint() const noexcept { return thumbprint_; }

  /// Verifies a JWS signature (ES256: raw r||s; a DER signature is refused by its length) over
  /// `data`. With `require_low_s`, an ES256 signature whose s is above n/2 is refused (so that a
  /// token has exactly one valid encoding). Never throws; false for any failure.
  [[nodiscard]] bool verify(std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature,
                            bool require_low_s) const noexcept;
  /// Signs `data`, returning the JWS signature (ES256: raw r||s with low s).
  [[nodiscard]] result<std::vector<std::uint8_t>> sign(std::span<const std::uint8_t> data) const;

 private:
  key_impl(pkey_ptr pkey, algorithm alg, bool has_private);
  struct pool;
  void* acquire(bool for_sign) const;
  void release(void* ctx, bool for_sign, bool reusable) const noexcept;
  void destroy(void* ctx) const noexcept;

  pkey_ptr pkey_;
  algorithm alg_;
  bool has_private_;
  unsigned bits_ = 0;
  jwk_members members_;
  std::string thumbprint_;
  mutable std::mutex mutex_;
  mutable std::vector<void*> verify_pool_;
  mutable std::vector<void*> sign_pool_;
};

/// SHA-256 with a digest fetched once per process.
void sha256(std::span<const std::uint8_t> data, std::uint8_t (&out)[32]) noexcept;

/// Raw 64-byte r||s to DER into `out`; returns the DER length, or 0 when r or s is zero.
[[nodiscard]] std::size_t ecdsa_raw_to_der(std::span<const std::uint8_t, 64> raw, std::span<std::uint8_t, 72> out) noexcept;
/// DER ECDSA-Sig-Value to raw 64-byte r||s with s normalised to the low half.
[[nodiscard]] bool ecdsa_der_to_raw_low_s(std::span<const std::uint8_t> der, std::vector<std::uint8_t>& raw);
/// True if the 32-byte big-endian s is greater than n/2 of P-256.
[[nodiscard]] bool ecdsa_s_is_high(std::span<const std::uint8_t, 32> s) noexcept;

/// Public key from JWK members (already base64url-decoded). errc::bad_key on invalid input.
[[nodiscard]] result<public_key> ec_p256_public(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y);
[[nodiscard]] result<public_key> ed25519_public(std::span<const std::uint8_t> x);
[[nodiscard]] result<public_key> rsa_public(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e);
/// Ed25519 private key from its 32-byte seed (RFC 8037 test vectors).
[[nodiscard]] result<signing_key> ed25519_private(std::span<const std::uint8_t> seed);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace parley::jose::detail
