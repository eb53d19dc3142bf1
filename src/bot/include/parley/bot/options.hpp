// Configuration of the bot web service: section [bot] (one bot per process section).
//
//   [bot]
//   id = "bankx-assistant"                          # the bot's id at the channel
//   tenant = "bankx"
//   assistant = "/etc/parley/bankx/assistant.toml"  # the assistant definition (loaded at start)
//   channel_url = "https://chat.bank.example"       # the channel's base URL (server side calls)
//   channel_secret = { file = "/etc/parley/bankx/channel-secret" }
//   origins = ["https://www.bank.example"]          # pages allowed to call POST /api/token
//   public_url = "https://assistant.bank.example"  # optional: how browsers reach this service
//   app_id = "0d3c0b8e-..."                          # empty: anonymous (loopback channel only)
//   app_password = { env = "PARLEY_BOT_APP_PASSWORD" }
//   [[bot.assertion_sites]]                          # optional signed user assertions
//   id = "bankx-web"  issuer = "https://www.bank.example"  audience = "bankx-assistant"
//   jwks_url = "https://www.bank.example/.well-known/jwks.json"   # or jwk = '{"kty":"EC",...}'
//   [bot.api]                                        # the client API caller (see client_api.hpp)
//
// Secrets come only by reference (file or environment); parse_options() records every problem in
// the config's errors with its key path. Read once by src/app.
#pragma once

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::bot {

using namespace std::chrono_literals;

/// A host site that may vouch for its own logged-in users with a signed JWT (docs/user-assertion.md).
struct assertion_site {
  std::string id;        ///< the site's name; part of the pseudonym's hash input (1..64 of [A-Za-z0-9._-])
  std::string issuer;    ///< exact `iss`
  std::string audience;  ///< exact `aud` (string or array member)
  std::string jwks_url;  ///< the site's JWKS (https://, or http:// on loopback); or `jwk`
  std::string jwk;       ///< an inline public JWK (JSON text); or `jwks_url`
  std::vector<std::string> algorithms = {"ES256", "RS256", "EdDSA"};  ///< allowlist (no HMAC, no none)
  std::string typ = "JWT";                 ///< expected header typ
  std::chrono::seconds max_lifetime = 5min;  ///< exp - iat/nbf; at most 5 minutes
};

/// How the result of a client API call becomes named result values.
struct api_result {
  std::string name;  ///< the assistant's result name, e.g. "reference", "balances"
  std::string from;  ///< dotted path into the response JSON, e.g. "reference", "card.last4", "accounts"
  /// For an array at `from`: each element is rendered with this template ("{name}: {balance}"),
  /// giving a list value; empty for a scalar (string or number).
  std::string item;
  std::size_t max_items = 10;
};

/// One operation of the client API: how a `call_api` action becomes an HTTP call.
struct api_operation {
  std::string name;           ///< the assistant's operation name, e.g. "block_card"
  std::string method = "GET";  ///< GET, POST, PUT, DELETE
  std::string path;           ///< appended to base_url; {slot} segments are replaced (percent-encoded)
  std::map<std::string, std::string> query;  ///< query parameter → slot id
  std::map<std::string, std::string> body;   ///< JSON body member → slot id (POST/PUT)
  std::map<std::string, std::string> defaults;  ///< slot id → value when the slot is absent
  bool requires_login = false;  ///< send the end user's bank token (user_token_source) as Bearer
  bool idempotency_key = false;  ///< send an Idempotency-Key header (the action id, per conversation)
  std::vector<api_result> results;
  /// Response statuses (besides 2xx) that mean "refused" (action_status::denied), e.g. 422.
  std::vector<int> denied_statuses = {403, 404, 409, 422};
};

struct api_options {
  std::string base_url;  ///< e.g. "https://api.bank.example/v1" (http:// only on loopback)
  std::chrono::milliseconds timeout = 10s;
  std::vector<api_operation> operations;
};

/// What an inbound activity may hold besides max_activity_bytes (longer is refused with 400). A
/// channel must not store what its bot refuses: Parley's channel checks the same limits, or
/// stricter ones, before storing (src/channel/README.md, "Limits").
inline constexpr std::size_t max_inbound_text_bytes = 16 * 1024;   ///< `text`, UTF-8 bytes
inline constexpr std::size_t max_inbound_value_bytes = 16 * 1024;  ///< `value`, serialised
inline constexpr std::size_t max_inbound_depth = 32;               ///< JSON nesting of the activity

struct options {
  std::string id;      ///< the bot's id at the channel
  std::string tenant;  ///< the tenant (client) that owns it
  std::string name;    ///< display name on replies (default: id)
  std::string assistant;  ///< path of the assistant definition file (required)

  // ---- the channel ----
  /// Base URL of the channel for server-side calls, no trailing slash; empty: the channel of this
  /// process (src/app passes its URL to service::start()).
  std::string channel_url;
  /// The Direct Line base URL given to the widget (`channelUrl`); default channel_url + "/v3/directline".
  std::string channel_public_url;
  std::shared_ptr<core::secret_string> channel_secret;  ///< required; moved into protected memory at start
  std::chrono::milliseconds channel_timeout = 10s;       ///< each call to the channel

  // ---- the handshake ----
  std::vector<std::string> origins;  ///< exact origins allowed to call /api/token (required)
  /// This service's base URL as browsers reach it (no trailing slash), for the `htu` of the DPoP
  /// proof the widget sends with GetNewToken; empty: the request's scheme and Host header.
  std::string public_url;
  double token_rate_per_address = 0.5;  ///< GetNewToken per client address, per second (sustained)
  double token_burst_per_address = 10;  ///< ... and its burst
  double token_rate_global = 50;        ///< GetNewToken for everyone, per second
  double token_burst_global = 200;
  double refresh_rate_per_address = 2;  ///< RefreshToken per client address, per second (burst 4x)
  std::vector<assertion_site> assertion_sites;
  /// Key of the keyed hash that turns (site, sub) into a stable pseudonymous user id (≥ 32 bytes).
  /// Required when assertion_sites is not empty.
  std::shared_ptr<core::secret_string> user_id_key;

  // ---- the Bot Connector side ----
  std::string app_id;  ///< the bot's app id (aud of inbound tokens, client_id); empty: anonymous
  std::shared_ptr<core::secret_string> app_password;  ///< required with app_id
  std::string channel_issuer;       ///< ToBotFromChannelTokenIssuer; default channel_url
  std::string openid_metadata_url;  ///< ToBotFromChannelOpenIdMetadataUrl; default channel_url + "/v1/.well-known/openidconfiguration"
  std::string token_endpoint;       ///< client-credentials endpoint; default channel_url + "/botframework.com/oauth2/v2.0/token"
  std::string connector_scope;      ///< ToChannelFromBotOAuthScope (without /.default); default channel_url
  std::chrono::seconds clock_skew = 300s;        ///< on inbound tokens (botbuilder: 5 minutes)
  std::chrono::seconds token_refresh_early = 300s;  ///< refresh the outbound token this long before expiry

  // ---- turns and actions ----
  std::size_t max_activity_bytes = 256 * 1024;   ///< inbound activity body (the channel's must not be larger)
  std::chrono::milliseconds turn_budget = 12s;   ///< the inbound POST answers within this (channel: 15 s)
  int max_etag_retries = 8;                      ///< whole-turn retries on a concurrent state change
  bool typing_before_actions = true;             ///< send `typing` before a slow action

  api_options api;
};

/// Reads [bot] (and [bot.api], [[bot.assertion_sites]]); problems go to the config's errors.
/// Defaults that derive from channel_url are filled in (resolve_defaults()).
[[nodiscard]] options parse_options(core::config_section section);

/// Reads the client API table alone ([bot.api] or a file's top level: base_url, timeout,
/// [[operations]]).
[[nodiscard]] api_options parse_api_options(core::config_section section);

/// Fills the URLs that derive from channel_url. Call after channel_url is final (the demo knows it
/// only once the channel's listener is bound).
void resolve_defaults(options& o);

}  // namespace parley::bot
