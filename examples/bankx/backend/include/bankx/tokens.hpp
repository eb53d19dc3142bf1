// Opaque bearer tokens (access tokens, phone app sessions), stored only as SHA-256 hashes.
//
// A token is `prefix` + base64url(32 random bytes): 256 bits from the injected random source,
// unguessable, meaningless to its holder. The store keeps hash → (subject, expiry); a stolen
// memory dump yields no usable token. Expired tokens are refused and swept; revoke() deletes.
// The prefix ("bxa_", "bxd_") makes each kind single-purpose: one store never accepts another's.
// Errors: errc::invalid_token (unknown, expired, revoked, malformed), errc::temporarily_unavailable
// (max_tokens live tokens). Thread-safety: every member may be called from any thread.
#pragma once

#include <bankx/error.hpp>

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace bankx {

/// A short, non-reversible id of a token for log lines: the first 12 hex digits of its SHA-256.
[[nodiscard]] std::string token_log_id(std::string_view token);

class token_store {
 public:
  /// `clock` and `rng` must outlive the store.
  token_store(std::string prefix, std::chrono::seconds lifetime, std::size_t max_tokens, const parley::core::clock& clock,
              parley::core::random_source& rng);

  struct issued {
    std::string token;
    std::chrono::seconds expires_in{0};
  };

  /// A new token for `subject` (a customer id).
  [[nodiscard]] parley::result<issued> issue(std::string subject);
  /// The subject of a live token.
  [[nodiscard]] parley::result<std::string> validate(std::string_view token) const;
  /// Deletes the token; true when it was live. Unknown or malformed tokens are ignored.
  bool revoke(std::string_view token);
  /// Live tokens (after sweeping the expired ones).
  [[nodiscard]] std::size_t size() const;

 private:
  struct entry {
    std::string subject;
    std::chrono::steady_clock::time_point expires;
  };
  [[nodiscard]] bool well_formed(std::string_view token) const noexcept;
  void sweep_locked() const;

  std::string prefix_;
  std::chrono::seconds lifetime_;
  std::size_t max_tokens_;
  const parley::core::clock& clock_;
  parley::core::random_source& rng_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, entry, std::less<>> tokens_;  // key: raw SHA-256 of the token
  mutable std::chrono::steady_clock::time_point next_sweep_{};
};

}  // namespace bankx
