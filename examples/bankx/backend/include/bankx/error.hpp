// Errors of the BankX back end. Every expected failure of a BankX call is returned as one of these
// (never thrown). The HTTP layer maps each to a status and a stable snake_case code string in one
// place (http_support.hpp); docs/login-api.yaml and examples/bankx/accounts-api.md list them.
// No message of this category ever contains a token, a code or customer data.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace bankx {

enum class errc {
  invalid_request = 1,      ///< a field is missing, of the wrong type or shape
  unsupported_media_type,   ///< a JSON endpoint got another Content-Type
  invalid_client,           ///< Login API: client credentials missing or wrong
  invalid_token,            ///< accounts API: access token missing, unknown, expired or revoked
  invalid_session,          ///< phone app: session missing, unknown or expired
  invalid_otp,              ///< verifyOtp: wrong code (attempts left in the refusal)
  otp_not_expected,         ///< verifyOtp on a login whose method is push or ussd
  too_many_requests,        ///< startLogin: too many logins for this customer identifier
  too_many_attempts,        ///< verifyOtp: too many code attempts for this customer identifier
  not_found,                ///< phone app: no such customer or login request
  login_not_pending,        ///< phone app: the login request is already decided or expired
  invalid_account,          ///< accounts API: not one of the token's customer's accounts
  same_account,             ///< transfer: source and destination are the same account
  insufficient_funds,       ///< transfer: the source balance is too low
  no_such_card,             ///< block card: the customer has no card of that type
  idempotency_key_reused,   ///< transfer: the Idempotency-Key was used for another request
  temporarily_unavailable,  ///< a capacity limit is reached (pending logins, tokens)
};

const boost::system::error_category& bankx_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), bankx_category()}; }

}  // namespace bankx

template <>
struct boost::system::is_error_code_enum<bankx::errc> : std::true_type {};
