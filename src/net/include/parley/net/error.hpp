// Errors of the net component and the one place where they map to HTTP.
//
// `errc` is a protocol-agnostic set of outcomes. A handler that fails returns
// error_response(errc::..., message) and gets the right status and the Direct Line error body
// `{"error":{"code":"...","message":"..."}}`; http_status() and error_code_name() are that mapping,
// and nothing else in Parley maps errors to HTTP statuses. The same enum carries the failures of
// the outbound client (connect_failed, tls_failed...) and of start-up (insecure_listener...).
#pragma once

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace parley::net {

enum class errc {
  // Outcomes of a request (each has an HTTP status).
  bad_request = 1,         ///< 400 BadArgument: a value is missing or invalid
  bad_syntax,              ///< 400 BadSyntax: malformed HTTP, JSON or percent-encoding
  unauthorized,            ///< 401 Unauthorized: missing or malformed credentials
  forbidden,               ///< 403 Forbidden
  token_expired,           ///< 403 TokenExpired (Direct Line)
  not_found,               ///< 404 NotFound
  method_not_allowed,      ///< 405 MethodNotAllowed
  request_timeout,         ///< 408 RequestTimeout: headers or body too slow
  conflict,                ///< 409 Conflict
  payload_too_large,       ///< 413 PayloadTooLarge: body over the route's limit
  unsupported_media_type,  ///< 415 UnsupportedMediaType: e.g. JSON route without application/json
  upgrade_required,        ///< 426 UpgradeRequired: plain GET on a WebSocket route
  too_many_requests,       ///< 429 TooManyRequests: a rate limit refused the request
  headers_too_large,       ///< 431 HeadersTooLarge
  internal_error,          ///< 500 ServiceError: a bug or an unexpected failure
  bad_gateway,             ///< 502 BadGateway: an upstream (bot, IdP) failed
  service_unavailable,     ///< 503 ServiceUnavailable: shutting down, overloaded
  gateway_timeout,         ///< 504 GatewayTimeout: an upstream did not answer in time
  not_implemented,         ///< 501 NotImplemented: e.g. a transfer coding other than chunked

  // Failures of the outbound client (map to 502/504 if forwarded).
  invalid_url,             ///< not an absolute http(s) URL, or userinfo/fragment present
  resolve_failed,          ///< DNS lookup failed
  connect_failed,          ///< TCP connect failed or timed out
  tls_failed,              ///< TLS handshake failed (untrusted CA, wrong host name...)
  timeout,                 ///< the request did not complete within its timeout
  response_too_large,      ///< the response exceeded the client's size cap
  bad_response,            ///< malformed HTTP from the peer
  connection_closed,       ///< the peer closed the connection before answering

  // Start-up failures of listeners.
  insecure_listener,       ///< plain HTTP on a non-loopback address without behind_tls_proxy
  tls_setup_failed,        ///< certificate or key unreadable, or not matching
};

const boost::system::error_category& net_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), net_category()}; }

/// The HTTP status for an outcome (500 for the client and start-up failures, 502/504 as noted).
[[nodiscard]] int http_status(errc e) noexcept;

/// The stable code string of the error body ("NotFound", "ServiceError"...).
[[nodiscard]] std::string_view error_code_name(errc e) noexcept;

/// The reason phrase of a status ("Not Found"); "Unknown" for unregistered values.
[[nodiscard]] std::string_view status_reason(int status) noexcept;

}  // namespace parley::net

template <>
struct boost::system::is_error_code_enum<parley::net::errc> : std::true_type {};
