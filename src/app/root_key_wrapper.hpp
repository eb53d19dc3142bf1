// Adapts the crypto component's root key to jose's key_wrapper seam, so that the token-signing
// keys are persisted wrapped by the root key (wiring belongs here, in the composition root).
#pragma once

#include <parley/crypto/root_key.hpp>
#include <parley/jose/key_store.hpp>

#include <memory>

namespace parley::app {

/// Thread-safety: as crypto::root_key (wrap/unwrap are const and may run concurrently).
class root_key_wrapper final : public jose::key_wrapper {
 public:
  explicit root_key_wrapper(std::shared_ptr<const crypto::root_key> root) : root_(std::move(root)) {}

  result<std::vector<std::uint8_t>> wrap(std::span<const std::uint8_t> plaintext,
                                         std::string_view associated_data) override {
    return root_->wrap(plaintext, as_bytes(associated_data));
  }

  result<std::vector<std::uint8_t>> unwrap(std::span<const std::uint8_t> wrapped,
                                           std::string_view associated_data) override {
    auto secret = root_->unwrap(wrapped, as_bytes(associated_data));
    if (!secret) return secret.error();
    // jose turns the bytes into an EVP_PKEY at once and wipes its copy (secret_bytes).
    return std::vector<std::uint8_t>(secret->data(), secret->data() + secret->size());
  }

 private:
  static std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
  }
  std::shared_ptr<const crypto::root_key> root_;
};

}  // namespace parley::app
