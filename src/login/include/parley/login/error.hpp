// Errors of the login component (the end-user login to a bank's Login API and the token vault).
// Returned, never thrown; no message ever contains a token, a code, a customer id or a secret.
#pragma once

#include <parley/core/error.hpp>

namespace parley::login {

enum class errc {
  unknown_tenant = 1,    ///< no Login API is configured for the conversation's tenant
  login_in_progress,     ///< the conversation already has a login running
  no_login,              ///< the conversation has no login running (verify_otp, cancel)
  not_logged_in,         ///< no live token for the conversation (never logged in, expired, idle, logged out)
  token_rejected,        ///< the bank answered 401 to the token: it is wiped, the user logs in again
  otp_not_expected,      ///< verify_otp on a push or USSD login
  invalid_request,       ///< the bank refused the request's shape (400), e.g. a malformed customer id
  client_rejected,       ///< the bank refused our client credentials (401 at the Login API): configuration
  rate_limited,          ///< 429 from the bank (too many logins or code attempts); see retry_after
  bank_unavailable,      ///< transport failure, timeout or 5xx
  bad_response,          ///< the bank's answer does not follow the Login API contract
  shutting_down,         ///< the service is stopping
};

const boost::system::error_category& login_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), login_category()}; }

}  // namespace parley::login

template <>
struct boost::system::is_error_code_enum<parley::login::errc> : std::true_type {};
