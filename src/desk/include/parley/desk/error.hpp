// Errors of the desk component. Sign-in failures carry a reason the audit log records (never a
// token or a claim's value); the routes map them to a redirect with a short code or to HTTP.
#pragma once

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace parley::desk {

enum class errc {
  unknown_tenant = 1,  ///< no [[desk.tenants]] entry with that id
  idp_unavailable,     ///< discovery, JWKS or token endpoint unreachable or answering garbage
  bad_metadata,        ///< the IdP's metadata breaks a rule (issuer, https, PKCE S256...)
  missing_state,       ///< a callback without a well-formed `state`
  unknown_state,       ///< a `state` the desk did not issue, already used, or expired
  browser_mismatch,    ///< the callback came from another browser than the sign-in (login CSRF)
  issuer_mismatch,     ///< the `iss` response parameter names another IdP (mix-up, RFC 9207)
  idp_error,           ///< the IdP answered the authorization request with an error
  code_refused,        ///< the token endpoint refused the code (replayed, expired, PKCE mismatch)
  bad_token,           ///< an ID or logout token failed validation (signature, iss, aud, azp, time, nonce...)
  tenant_not_allowed,  ///< Entra `tid` not in the allowlist
  group_not_allowed,   ///< none of the allowed groups
  no_role,             ///< the claims map to no desk role
  refresh_refused,     ///< the IdP refused the refresh token (consultant disabled or signed out)
  no_session,          ///< no session, or it ended
};

const boost::system::error_category& desk_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), desk_category()};
}

/// A short, stable, non-secret name for audit details and logs ("unknown_state").
[[nodiscard]] std::string_view reason_name(errc e) noexcept;

}  // namespace parley::desk

template <>
struct boost::system::is_error_code_enum<parley::desk::errc> : std::true_type {};
