// Injected randomness. Ids, keys and nonces come from the OS CSPRNG through OpenSSL's RAND_bytes;
// tests may inject a deterministic source (testing/.../fake_random.hpp) where repeatability matters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::core {

/// Source of random bytes.
/// Thread-safety: implementations must allow concurrent calls from any thread.
class random_source {
 public:
  virtual ~random_source() = default;
  /// Fills `out` with random bytes. The OS source aborts if the CSPRNG fails (it cannot, short
  /// of a broken system, and continuing with weak randomness would be worse).
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

/// The CSPRNG (OpenSSL RAND_bytes). The returned object lives for the whole program.
[[nodiscard]] random_source& os_random() noexcept;

/// `prefix` followed by base64url(`bytes` random bytes), e.g. random_id(rng, "dl_", 16) is a
/// user id with 128 random bits.
[[nodiscard]] std::string random_id(random_source& rng, std::string_view prefix, std::size_t bytes);

/// A uniformly distributed integer in [0, bound). `bound` must be > 0.
[[nodiscard]] std::uint64_t random_below(random_source& rng, std::uint64_t bound);

}  // namespace parley::core
