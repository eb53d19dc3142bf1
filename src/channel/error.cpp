#include "http_errors.hpp"

#include <parley/channel/error.hpp>

#include <string>

namespace parley::channel {
namespace {

struct mapping {
  net::errc status;     // the HTTP status comes from net's one mapping
  std::string_view code;  // the Direct Line error code
  std::string_view message;
};

mapping map(errc e) noexcept {
  switch (e) {
    case errc::bad_argument: return {net::errc::bad_request, "BadArgument", "invalid request"};
    case errc::bad_syntax: return {net::errc::bad_syntax, "BadSyntax", "malformed request body"};
    case errc::forbidden_activity:
      return {net::errc::bad_request, "BadArgument", "clients may not send this kind of activity"};
    case errc::missing_credentials: return {net::errc::unauthorized, "Unauthorized", "missing or malformed credentials"};
    case errc::bad_credentials: return {net::errc::forbidden, "Forbidden", "invalid credentials"};
    case errc::token_expired: return {net::errc::token_expired, "TokenExpired", "token expired"};
    case errc::wrong_conversation:
      return {net::errc::forbidden, "Forbidden", "the credentials are not valid for this conversation"};
    case errc::origin_not_allowed: return {net::errc::forbidden, "Forbidden", "origin not allowed"};
    case errc::not_found: return {net::errc::not_found, "NotFound", "not found"};
    case errc::too_large: return {net::errc::payload_too_large, "MessageSizeTooBig", "too large"};
    case errc::unsupported_type: return {net::errc::unsupported_media_type, "UnsupportedMediaType", "unsupported media type"};
    case errc::rate_limited: return {net::errc::too_many_requests, "TooManyRequests", "too many requests"};
    case errc::not_offered: return {net::errc::forbidden, "NotSupported", "operation not offered"};
    case errc::bot_unreachable: return {net::errc::bad_gateway, "BotError", "Failed to send activity: bot unreachable"};
    case errc::bot_rejected:
      return {net::errc::bad_gateway, "BotRejectedActivity", "Failed to send activity: bot returned an error"};
    case errc::bot_timeout: return {net::errc::gateway_timeout, "BotError", "Failed to send activity: bot timed out"};
    case errc::store_unavailable: return {net::errc::service_unavailable, "ServiceUnavailable", "storage unavailable"};
    case errc::not_started: return {net::errc::service_unavailable, "ServiceUnavailable", "starting; retry shortly"};
    case errc::internal: return {net::errc::internal_error, "ServiceError", "internal error"};
    case errc::integrity_failure:
      return {net::errc::internal_error, "IntegrityFailure", "a stored record of this conversation failed its integrity check"};
    case errc::token_revoked: return {net::errc::forbidden, "TokenRevoked", "the token's session has ended"};
    case errc::dpop_required:
      return {net::errc::unauthorized, "Unauthorized",
              "this token is bound to a key: send it as Authorization: DPoP with a DPoP proof"};
    case errc::invalid_dpop_proof: return {net::errc::unauthorized, "Unauthorized", "invalid DPoP proof"};
    case errc::use_dpop_nonce: return {net::errc::unauthorized, "UseDpopNonce", "the DPoP proof needs the server's nonce"};
    case errc::wrong_state:
      return {net::errc::conflict, "Conflict", "not allowed in the conversation's handoff state"};
  }
  return {net::errc::internal_error, "ServiceError", "unknown error"};
}

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.channel"; }
  std::string message(int ev) const override { return std::string(map(static_cast<errc>(ev)).message); }
};

}  // namespace

const boost::system::error_category& channel_category() noexcept {
  static const category instance;
  return instance;
}

net::response error_response(errc e, std::string_view message) {
  const auto m = map(e);
  auto r = net::error_response(m.status, m.code, message.empty() ? m.message : message);
  // RFC 9110 §10.2.3. (directlinejs reads it as milliseconds; bots' HTTP pipelines as seconds.)
  if (e == errc::rate_limited) r.headers.set("Retry-After", "1");
  // The database unreachable (a restart: docs/deploy-cluster.md) or the channel starting.
  if (e == errc::store_unavailable || e == errc::not_started) r.headers.set("Retry-After", "5");
  // RFC 9449 §7.1, §8: the challenge says why, so that a DPoP client can retry (with the nonce).
  if (e == errc::dpop_required) r.headers.set("WWW-Authenticate", R"(DPoP algs="ES256")");
  if (e == errc::invalid_dpop_proof) r.headers.set("WWW-Authenticate", R"(DPoP error="invalid_dpop_proof", algs="ES256")");
  if (e == errc::use_dpop_nonce) r.headers.set("WWW-Authenticate", R"(DPoP error="use_dpop_nonce", algs="ES256")");
  return r;
}

net::response error_response(const error_code& ec, std::string_view message) {
  if (ec.category() == channel_category()) return error_response(static_cast<errc>(ec.value()), message);
  return error_response(errc::internal);
}

}  // namespace parley::channel
