// TOTP enrolments of BankX's customers (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits, ±1 step).
//
// enrol() makes a new random 160-bit secret *pending*; confirm() with a current code activates it
// (replacing an older one), so a secret that never reached an authenticator app never counts.
// verify() checks a login code against the active secret and remembers the matched step: that
// code, and every older one, is refused afterwards (no replay, even across logins).
// Secrets live in memory only and are never logged. The demo phone page shows the secret and the
// current code (it plays the authenticator app); a real bank shows the secret once, as a QR code.
// Errors: errc::not_found (no such enrolment), errc::invalid_otp (confirm with a wrong code).
// Thread-safety: every member may be called from any thread.
#pragma once

#include <bankx/error.hpp>
#include <bankx/totp.hpp>

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

/// What the phone page shows about a customer's authenticator.
struct authenticator_view {
  enum class state { none, pending, active } status = state::none;
  std::string secret_base32;  ///< of the pending secret if any, else of the active one
  std::string otpauth_uri;
  std::string current_code;   ///< the code an authenticator app shows now for that secret
  int seconds_left = 0;       ///< until current_code changes
};

class authenticator {
 public:
  /// `clock` and `rng` must outlive this.
  authenticator(const parley::core::clock& clock, parley::core::random_source& rng) : clock_(clock), rng_(rng) {}

  /// A new pending secret for the customer (replacing a pending one).
  [[nodiscard]] authenticator_view enrol(std::string_view customer_id);
  /// Activates the pending secret if `code` is its current code (±1 step).
  [[nodiscard]] parley::result<authenticator_view> confirm(std::string_view customer_id, std::string_view code);
  /// Enrols and activates at once (demo customers set up at start).
  void enrol_active(std::string_view customer_id);
  /// True when `code` is a fresh valid code of the customer's active secret; the step is then
  /// used up. False for customers without an active secret.
  [[nodiscard]] bool verify(std::string_view customer_id, std::string_view code);
  [[nodiscard]] bool active(std::string_view customer_id) const;
  [[nodiscard]] authenticator_view view(std::string_view customer_id) const;

  static constexpr totp_params params{};

 private:
  struct enrolment {
    std::vector<std::uint8_t> active;   // empty: none
    std::vector<std::uint8_t> pending;  // empty: none
    std::int64_t last_used_step = -1;
  };
  [[nodiscard]] std::vector<std::uint8_t> new_secret();
  [[nodiscard]] authenticator_view view_locked(std::string_view customer_id, const enrolment& e) const;

  const parley::core::clock& clock_;
  parley::core::random_source& rng_;
  mutable std::mutex mutex_;
  std::map<std::string, enrolment, std::less<>> enrolments_;
};

}  // namespace bankx
