// Salted, slow hashes of the secrets the channel checks: the Direct Line channel secrets of a bot
// and the bots' app passwords. The configuration holds only these strings (made by
// `parley channel hash-secret`), never a secret:
//
//   $scrypt$ln=14,r=8,p=1$<salt, base64url>$<32-byte hash, base64url>
//
// scrypt (RFC 7914) with N = 2^ln, a 16-byte random salt. Verification recomputes the hash and
// compares it in constant time (CRYPTO_memcmp). It costs tens of milliseconds and 16 MiB on
// purpose: the channel runs it on its own blocking pool and caches successes (secret_verifier).
//
// Thread-safety: free functions, safe from any thread.
#pragma once

#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::channel {

/// A parsed hash string.
struct secret_hash {
  unsigned log2_n = 14;
  unsigned r = 8;
  unsigned p = 1;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

/// Shortest secret `hash_secret` accepts: a channel secret is generated, not remembered.
inline constexpr std::size_t min_secret_length = 24;

/// Hashes `secret` with a fresh salt from `rng`. errc::bad_argument when the secret is shorter
/// than min_secret_length or longer than 1024 bytes; errc::internal if OpenSSL fails.
[[nodiscard]] result<std::string> hash_secret(std::string_view secret, core::random_source& rng);

/// Parses a hash string. errc::bad_argument when it is not of the form above, or its parameters
/// are outside ln 10..20, r 1..32, p 1..4, salt 16..64 bytes, hash 32 bytes.
[[nodiscard]] result<secret_hash> parse_secret_hash(std::string_view text);

/// True when `secret` hashes to `h`. Slow (see above); never call it on an I/O thread.
[[nodiscard]] bool verify_secret(std::string_view secret, const secret_hash& h);

}  // namespace parley::channel
