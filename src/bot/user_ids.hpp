// End-user ids handed to the channel (private to the bot component).
//
// A new anonymous user gets "dl_" + 128 random bits (base64url). A user vouched for by a host
// site's assertion gets a stable pseudonym: "dl_" + base64url(HMAC-SHA256(key, site || 0 || sub))
// truncated to 192 bits, so that the same customer of the same site always gets the same id, the
// site's customer id never reaches the channel, and nobody without the key can link the two.
// Thread-safety: immutable after construction; safe from any thread.
#pragma once

#include <parley/core/random.hpp>
#include <parley/crypto/secure_memory.hpp>

#include <string>
#include <string_view>

namespace parley::bot {

/// "dl_" + base64url(16 random bytes).
[[nodiscard]] std::string new_user_id(core::random_source& rng);

class pseudonym_key {
 public:
  pseudonym_key() = default;
  /// Takes a key of at least 32 bytes (kept in protected memory).
  explicit pseudonym_key(crypto::secure_buffer key) : key_(std::move(key)) {}
  [[nodiscard]] bool empty() const noexcept { return key_.empty(); }
  /// The stable pseudonymous id of (site, subject). The key must not be empty.
  [[nodiscard]] std::string user_id(std::string_view site, std::string_view subject) const;

 private:
  crypto::secure_buffer key_;
};

}  // namespace parley::bot
