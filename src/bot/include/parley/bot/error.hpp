// Errors of the bot web service. HTTP mapping happens in one place (net::error_response); these
// codes are for the domain calls (handshake, inbound authentication, turns, actions).
#pragma once

#include <parley/core/error.hpp>

namespace parley::bot {

enum class errc {
  bad_activity = 1,      ///< an inbound activity is malformed, oversized or of the wrong shape
  unauthorized,          ///< an inbound channel token failed validation (any reason)
  token_expired,         ///< a Direct Line token past its expiry (refresh refused by the channel)
  origin_not_allowed,    ///< GetNewToken from an origin outside the bot's allowlist
  rate_limited,          ///< a per-address or global limit refused the request
  bad_assertion,         ///< a user assertion failed validation (any reason)
  channel_error,         ///< the channel refused or failed a call (tokens, Connector API)
  channel_unreachable,   ///< the channel did not answer (connect, timeout)
  state_conflict,        ///< the bot state kept changing under a turn (etag retries exhausted)
  not_logged_in,         ///< the end user is not logged in to the client's back end
  login_unavailable,     ///< no login component is wired in
  unknown_operation,     ///< call_api names an operation the client API table does not have
  api_error,             ///< the client's API answered an error or an unexpected body
  api_unreachable,       ///< the client's API did not answer in time
};

const boost::system::error_category& bot_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), bot_category()}; }

}  // namespace parley::bot

template <>
struct boost::system::is_error_code_enum<parley::bot::errc> : std::true_type {};
