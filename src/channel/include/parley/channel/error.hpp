// Errors of the channel component: what a Direct Line client, a bot or the token endpoint did
// wrong, or what failed on the way to the bot. Every handler failure is one of these; the HTTP
// status and the Direct Line error code string come from net's mapping (net::errc) through
// to_net() in one place (http_errors.cpp), so that the body is always
// {"error":{"code","message"}}. Messages name the failure, never a token, secret or user text.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace parley::channel {

enum class errc {
  bad_argument = 1,     ///< 400 BadArgument: a field is missing, of the wrong type or out of range
  bad_syntax,           ///< 400 BadSyntax: malformed JSON, multipart or form body
  forbidden_activity,   ///< 400 BadArgument: an activity type or role a client may not send
  missing_credentials,  ///< 401 Unauthorized: no or malformed Authorization / `t=`
  bad_credentials,      ///< 403 Forbidden: a secret, token or password that does not verify
  token_expired,        ///< 403 TokenExpired: a token that verified but has expired
  wrong_conversation,   ///< 403 Forbidden: a token of another conversation, a secret of another bot
  origin_not_allowed,   ///< 403 Forbidden: an Origin outside the bot's allowed or trusted origins
  not_found,            ///< 404 NotFound: no such conversation, activity or attachment
  too_large,            ///< 413 PayloadTooLarge: an activity over 256 KB, an upload over the limit
  unsupported_type,     ///< 415 UnsupportedMediaType: a body or file type that is not accepted
  rate_limited,         ///< 429 TooManyRequests (only where a client can cope with it)
  not_offered,          ///< 403 NotSupported: an operation Parley does not offer bots (proactive start)
  bot_unreachable,      ///< 502 BotError: the bot could not be reached or answered garbage
  bot_rejected,         ///< 502 BotRejectedActivity: the bot answered with a non-2xx status
  bot_timeout,          ///< 504 BotError: the bot did not answer in time
  store_unavailable,    ///< 503 ServiceUnavailable: the conversation store failed; retry later
  not_started,          ///< 503 ServiceUnavailable: the channel is still starting
  internal,             ///< 500 ServiceError: a bug or an unexpected failure
  /// 500 IntegrityFailure: a stored record (or its conversation's key) failed its integrity
  /// check where no marker can stand in for it (docs/adr/0017-integrity-marker.md)
  integrity_failure,
  token_revoked,        ///< 403 TokenRevoked: the token's session was revoked, ended or reused after rotation
  dpop_required,        ///< 401 Unauthorized: a bound token without its DPoP proof (or sent as Bearer)
  invalid_dpop_proof,   ///< 401 Unauthorized: a DPoP proof that fails a check (or was used before)
  use_dpop_nonce,       ///< 401 Unauthorized: the proof needs the nonce of the DPoP-Nonce header
  wrong_state,          ///< 409 Conflict: a handoff step the conversation's state does not allow (ADR 0021)
};

const boost::system::error_category& channel_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), channel_category()};
}

}  // namespace parley::channel

template <>
struct boost::system::is_error_code_enum<parley::channel::errc> : std::true_type {};
