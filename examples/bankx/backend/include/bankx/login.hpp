// The Login API's state machine (docs/login-api.yaml): startLogin, pollLogin, verifyOtp, logout,
// and the phone's side of it (pending requests, approve/deny, USSD answers).
//
// A login is held under the SHA-256 of its polling token (256 random bits, "bxp_" prefix, single
// purpose: it is accepted only by poll() and verify_otp(), and an access token is never accepted
// here). It is pending until the phone approves or denies it (push, ussd), or until verify_otp()
// gets the right code (otp_sms, otp_email, totp); it expires after options::login_lifetime.
// Polling follows RFC 8628 §3.5: a poll sooner than `interval` after the previous one (or the
// start) gets slow_down and the interval grows by slow_down_step for all later polls. An approved
// login hands out its access token once; after that (and after expiry and purging) its polling
// token reads `expired`.
//
// No user enumeration: a start for an unknown customer, or for a method the customer has not
// enrolled, succeeds exactly like a real one (same fields, a stable fake "sent to" hint, the same
// rate limits) and the login can never be approved: it ends expired, or denied after too many codes.
//
// Errors: errc::too_many_requests / too_many_attempts (refusal::retry_after says when to retry),
// errc::invalid_otp (refusal::attempts_left; 0 means the login is now denied), otp_not_expected,
// temporarily_unavailable (max_pending_logins), and for the phone not_found / login_not_pending.
// Logs: login ids (a hash prefix of the polling token), methods, statuses and durations; never a
// token, a code, or whether the customer exists.
// Thread-safety: every member may be called from any thread (one mutex, short critical sections).
#pragma once

#include <bankx/authenticator.hpp>
#include <bankx/customers.hpp>
#include <bankx/error.hpp>
#include <bankx/options.hpp>
#include <bankx/outbox.hpp>
#include <bankx/tokens.hpp>

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/net/rate_limiter.hpp>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

struct start_request {
  std::string customer_id;       ///< normalised (normalise_customer_id)
  login_method method = login_method::push;
  std::string conversation_ref;  ///< the bot's opaque reference, for correlation and audit
};

struct start_result {
  std::string polling_token;
  std::chrono::seconds interval{0};
  std::chrono::seconds expires_in{0};
  std::string otp_sent_to;  ///< otp_sms / otp_email: masked destination ("+44*******123")
  int otp_length = 0;       ///< otp_sms / otp_email / totp: digits of the code; else 0
};

enum class login_status { pending, slow_down, approved, denied, expired };
[[nodiscard]] std::string_view to_string(login_status s) noexcept;

struct poll_result {
  login_status status = login_status::expired;
  std::chrono::seconds interval{0};             ///< pending / slow_down: wait this long before the next poll
  std::optional<token_store::issued> access;    ///< approved: the access token (handed out once)
};

/// Details of a refusal, for the response.
struct refusal {
  std::chrono::seconds retry_after{0};  ///< too_many_requests / too_many_attempts
  int attempts_left = -1;               ///< invalid_otp
};

/// A login request as the customer's phone shows it (push and ussd logins).
struct login_request_view {
  std::string id;  ///< public id for approve/deny ("lr_..."), unrelated to the polling token
  login_method method = login_method::push;
  std::chrono::system_clock::time_point created;
  std::chrono::seconds expires_in{0};
};

class login_service {
 public:
  /// Every reference must outlive the service. `customers` are the known customers.
  login_service(const std::vector<customer>& customers, const options& opts, token_store& access_tokens,
                authenticator& authenticators, outbox& messages, const parley::core::clock& clock,
                parley::core::random_source& rng);
  ~login_service();
  login_service(const login_service&) = delete;
  login_service& operator=(const login_service&) = delete;

  // --- Login API (the bot) ---
  [[nodiscard]] parley::result<start_result> start(const start_request& req, refusal* details = nullptr);
  /// errc::temporarily_unavailable only when an approved login cannot get a token (store full);
  /// the login stays approved and a later poll may collect it.
  [[nodiscard]] parley::result<poll_result> poll(std::string_view polling_token);
  /// The right code approves the login and returns it like an approved poll (with the token).
  /// A denied or expired login returns that status. A wrong code is errc::invalid_otp.
  [[nodiscard]] parley::result<poll_result> verify_otp(std::string_view polling_token, std::string_view code,
                                                       refusal* details = nullptr);
  /// Revokes an access token; unknown tokens are ignored (RFC 7009 §2.2).
  void logout(std::string_view access_token);

  // --- the phone (the bank's own app back end) ---
  [[nodiscard]] std::vector<login_request_view> pending_requests(std::string_view customer_id) const;
  /// Approves or denies a pending push or ussd login of `customer_id`.
  [[nodiscard]] parley::result<void> decide(std::string_view customer_id, std::string_view request_id, bool approve);

  /// Logins currently held (pending, decided, or expired but not yet purged).
  [[nodiscard]] std::size_t size() const;

 private:
  struct login;
  struct profile {
    std::string phone, email;
    std::vector<login_method> methods;
  };

  [[nodiscard]] bool can_approve(const std::string& customer_id, login_method m) const;
  [[nodiscard]] std::string masked_destination(const std::string& customer_id, login_method m) const;
  void send_code(const login& l);
  void purge_locked(std::chrono::steady_clock::time_point now);
  [[nodiscard]] parley::result<poll_result> finish_locked(std::map<std::string, login, std::less<>>::iterator it);
  [[nodiscard]] std::map<std::string, login, std::less<>>::iterator find_locked(std::string_view polling_token);

  const options& opts_;
  token_store& access_tokens_;
  authenticator& authenticators_;
  outbox& outbox_;
  const parley::core::clock& clock_;
  parley::core::random_source& rng_;
  std::map<std::string, profile, std::less<>> profiles_;
  std::array<std::uint8_t, 32> hint_key_{};  // keys the fake "sent to" hints of unknown customers
  parley::net::rate_limiter start_limiter_;
  parley::net::rate_limiter otp_limiter_;

  mutable std::mutex mutex_;
  std::map<std::string, login, std::less<>> logins_;  // by SHA-256 of the polling token
  std::chrono::steady_clock::time_point next_purge_{};
};

}  // namespace bankx
