// Small cryptographic building blocks over OpenSSL 3 EVP: randomness into protected memory,
// constant-time comparison, SHA-256, HMAC-SHA256, HKDF-SHA256 (RFC 5869) and wiping.
//
// Thread-safety: every function here may be called from any thread.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::crypto {

using sha256_digest = std::array<std::uint8_t, 32>;

/// `size` random bytes from `rng` (default: the OS CSPRNG, RAND_bytes), written straight into
/// protected memory. errc::secure_memory_exhausted.
[[nodiscard]] result<secure_buffer> random_secret(std::size_t size, core::random_source& rng = core::os_random());

/// Equality of two byte strings in time that depends only on their lengths (CRYPTO_memcmp).
/// Lengths are not secret: different lengths compare unequal at once.
[[nodiscard]] bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

[[nodiscard]] sha256_digest sha256(std::span<const std::uint8_t> data);
[[nodiscard]] sha256_digest sha256(std::string_view data);

/// HMAC-SHA256(key, data). An empty key is allowed (RFC 2104 pads it).
[[nodiscard]] sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

/// HKDF-SHA256 (extract then expand) into `out` (1..8160 bytes). `ikm` must not be empty; an empty
/// `salt` means HashLen zero bytes (RFC 5869 §2.2). errc::invalid_argument, errc::internal.
[[nodiscard]] result<void> hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                                       std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

/// Overwrites memory with zeros in a way the compiler cannot elide (OPENSSL_cleanse).
void secure_wipe(std::span<std::uint8_t> bytes) noexcept;
/// Wipes the whole capacity of `s` and leaves it empty.
void secure_wipe(std::string& s) noexcept;

/// Views text as bytes (for associated data and labels).
[[nodiscard]] inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace parley::crypto
