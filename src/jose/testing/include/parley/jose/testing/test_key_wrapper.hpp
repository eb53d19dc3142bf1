// A key_wrapper for tests: AES-256-GCM under a random (or given) 32-byte key, associated data
// authenticated, format nonce(12) || ciphertext || tag(16). Never for production: the real root
// key wrapper comes from the crypto component. Thread-safe.
#pragma once

#include <parley/jose/key_store.hpp>

#include <array>
#include <atomic>
#include <cstdint>

namespace parley::jose::testing {

class test_key_wrapper final : public key_wrapper {
 public:
  test_key_wrapper();  ///< a fresh random key
  explicit test_key_wrapper(const std::array<std::uint8_t, 32>& key) : key_(key) {}
  ~test_key_wrapper() override;

  result<std::vector<std::uint8_t>> wrap(std::span<const std::uint8_t> plaintext,
                                         std::string_view associated_data) override;
  result<std::vector<std::uint8_t>> unwrap(std::span<const std::uint8_t> wrapped,
                                           std::string_view associated_data) override;

  [[nodiscard]] std::size_t unwraps() const noexcept { return unwraps_.load(); }

 private:
  std::array<std::uint8_t, 32> key_{};
  std::atomic<std::size_t> unwraps_{0};
};

}  // namespace parley::jose::testing
