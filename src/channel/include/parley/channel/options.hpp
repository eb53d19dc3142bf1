// Configuration of the channel: section [channel] with its bots in [[channel.bots]].
//
//   [channel]
//   public_url = "https://chat.bank.example"      # base of streamUrl, contentUrls and serviceUrl
//   bot_timeout = "15s"
//   [[channel.bots]]
//   id = "bankx-assistant"
//   tenant = "bankx"
//   app_id = "0d3c0b8e-..."                        # empty only for an anonymous bot on loopback
//   secret_hashes = ["$scrypt$ln=14,r=8,p=1$...$..."]   # one or two: rotation (`parley channel hash-secret`)
//   app_password_hash = "$scrypt$..."               # the bot's client-credentials password, hashed
//   endpoint = "https://bot.bank.example/api/messages"   # or "in-process": the [bot] of this process
//   origins = ["https://www.bank.example"]         # widget pages allowed to call Direct Line
//   [[channel.tenants]]                             # token policy per tenant (defaults below)
//   id = "bankx"
//   require_bound_tokens = true                     # false: Web Chat / directlinejs may get unbound tokens
//   bound_token_lifetime = "5m"                     # sender-constrained (DPoP) tokens of the widget
//   unbound_token_lifetime = "30m"                  # bearer tokens (directlinejs refreshes every 15 min)
//   max_session = "8h"                              # no token of a session outlives its start + this
//
// The configuration holds salted hashes, never a secret. Read once by src/app (parse_options);
// a bad entry is recorded in the config's errors with its key path and the process exits.
#pragma once

#include <parley/core/config.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::channel {

using namespace std::chrono_literals;

/// bot_options::endpoint of a bot hosted in the channel's own process.
inline constexpr std::string_view in_process_endpoint = "in-process";

/// One bot registered with the channel.
struct bot_options {
  std::string id;        ///< 1..64 of [A-Za-z0-9._-]; unique; stored with every conversation
  std::string tenant;    ///< the client (bank) that owns the bot; 1..64 of [A-Za-z0-9._-]
  std::string name;      ///< display name in `recipient`/`from` (default: id)
  /// Microsoft-style app id: `aud` of the tokens the channel sends to the bot, `client_id` at the
  /// token endpoint and `appid`/`azp` of the bot's tokens. Empty: an anonymous bot (no token in
  /// either direction), allowed only when `endpoint` is on loopback; its Connector calls are then
  /// accepted only from loopback.
  std::string app_id;
  /// Salted hashes of the Direct Line channel secret (one, or two while rotating).
  std::vector<std::string> secret_hashes;
  /// Salted hash of the bot's app password (client credentials); required when app_id is set.
  std::string app_password_hash;
  /// The bot's messaging endpoint (http:// only on loopback), or in_process_endpoint for the bot
  /// web service of this process (docs/adr/0007-in-process-delivery.md): activities then go to
  /// dependencies::in_process and its replies come back through service::receive_from_bot(),
  /// without HTTP or tokens on that hop.
  std::string endpoint;
  /// Exact origins ("https://www.bank.example") allowed to call Direct Line for this bot from a
  /// browser; the union over all bots answers CORS preflights.
  std::vector<std::string> origins;
  /// When set (not 0), the lifetime of this bot's conversation tokens, bound or not, instead of
  /// its tenant's (tenant_options); 1 minute to 24 hours (see allow_short_token_lifetime).
  std::chrono::seconds token_lifetime{0};
};

/// The token policy of one tenant (docs/adr/0013-sender-constrained-tokens.md); a tenant without
/// a [[channel.tenants]] entry gets these defaults.
struct tenant_options {
  std::string id;  ///< the tenant of some [[channel.bots]]
  /// Only tokens bound to a key the client proved (DPoP, cnf.jkt): tokens/generate without a key
  /// and tokens minted for a secret caller are refused. Parley's widget always proves a key;
  /// Web Chat and directlinejs cannot, so a tenant that serves them sets this to false.
  bool require_bound_tokens = true;
  std::chrono::seconds bound_token_lifetime = 5min;     ///< 1 minute to 1 hour; the widget refreshes at 50-70 %
  std::chrono::seconds unbound_token_lifetime = 30min;  ///< 1 minute to 24 hours; directlinejs refreshes every 15 min
  /// A session (a token and every token refreshed from it) ends this long after it started:
  /// refresh never extends it, and its streams are closed then. 10 minutes to 7 days.
  std::chrono::seconds max_session = 8h;
  /// DPoP proofs must carry a nonce the channel issued (RFC 9449 §8): a proof made in advance
  /// (by a script that could use the key for a moment) is worth at most two nonce windows.
  bool require_dpop_nonce = true;
};

struct options {
  /// Public base URL of the channel as clients and bots reach it, without a trailing slash
  /// ("https://chat.bank.example" or with a path prefix). Empty: src/app uses the listener's URL.
  std::string public_url;
  /// The serviceUrl given to bots (and the `serviceurl` claim): public_url + "/" unless set,
  /// e.g. an internal address the bots use. Compared byte for byte by botbuilder.
  std::string service_url;
  /// `iss` of the tokens the channel signs (Direct Line, to-bot, bot access). Default: public_url.
  std::string issuer;
  /// The scope bots request at the token endpoint, minus "/.default" (their
  /// ToChannelFromBotOAuthScope), and the `aud` of their access tokens. Default: public_url.
  std::string connector_scope;
  std::chrono::seconds stream_token_lifetime = 60s;     ///< the `t=` token of a streamUrl (single use)
  std::chrono::seconds to_bot_token_lifetime = 1h;      ///< tokens on channel → bot calls (cached)
  std::chrono::seconds bot_access_token_lifetime = 1h;  ///< tokens of the client-credentials endpoint
  std::chrono::milliseconds bot_timeout = 15s;          ///< wait for the bot before 502/504 to the client
  // ---- What an activity may hold (docs: README.md, "Limits") ----
  // A client's activity is checked against these before it is stored, and refused with 413
  // naming the limit: the channel never stores what its bot would refuse. They equal the bot
  // web service's (src/bot/activity.hpp activity_limits, [bot] max_activity_bytes), or are
  // stricter; a bot elsewhere must accept at least as much.
  /// One activity as stored and delivered (with the id and timestamp the channel adds), client or
  /// bot; also the body limit of the routes that take one.
  std::size_t max_activity_bytes = 256 * 1024;
  std::size_t max_text_bytes = 16 * 1024;   ///< `text` of a client activity (UTF-8 bytes, as stored and as delivered)
  std::size_t max_value_bytes = 16 * 1024;  ///< `value` of a client activity, as serialised JSON
  std::size_t max_activity_depth = 32;      ///< nesting of a client activity's JSON (the activity is level 1)
  std::size_t max_upload_bytes = 4 * 1024 * 1024;       ///< one upload request (all files)
  std::size_t max_upload_files = 10;                    ///< files in one upload
  /// Content types accepted for uploaded files (exact, lower-case, parameters ignored).
  std::vector<std::string> upload_types = {"image/png", "image/jpeg", "image/gif", "image/webp",
                                           "application/pdf", "text/plain"};
  double client_rate = 20;          ///< requests per second per client (IPv4 address, IPv6 /64; burst: 4x)
  double conversation_rate = 10;    ///< requests per second per conversation (burst: 4x)
  /// Longest a request over the rate waits its turn; once a client's (or conversation's) queued
  /// requests would wait longer, further ones are refused with 429 (the delay budget is spent).
  std::chrono::milliseconds max_throttle_delay = 5s;
  std::size_t verify_cache_entries = 100'000;  ///< cached successful token verifications
  std::size_t max_replay_activities = 1000;    ///< per WebSocket connect; the rest after a reconnect
  /// Tests only: lets a bot's token_lifetime go down to 1 second (instead of 1 minute), so that a
  /// client's expiry handling is tested without waiting. The channel logs a warning at start.
  bool allow_short_token_lifetime = false;
  /// How long a token replaced by tokens/refresh still works (a request retried, or sent while the
  /// refresh was under way): 0 to 10 seconds.
  std::chrono::seconds refresh_grace = 10s;
  /// DPoP proofs older than this (by their `iat`) are refused: 10 seconds to 5 minutes.
  std::chrono::seconds dpop_max_age = 60s;
  std::size_t max_sessions = 1'000'000;         ///< sessions tracked in memory (rotation, revocation, expiry)
  std::size_t dpop_replay_entries = 1'000'000;  ///< DPoP proofs remembered per acceptance window
  std::vector<bot_options> bots;
  std::vector<tenant_options> tenants;
};

/// The policy of `tenant`: its [[channel.tenants]] entry, or the defaults.
[[nodiscard]] const tenant_options& tenant_policy(const options& o, std::string_view tenant);

/// Reads [channel] and its [[channel.bots]]; problems (bad URLs, bad hashes, duplicate ids or app
/// ids, anonymous bots off loopback, out-of-range values) go to the config's errors.
[[nodiscard]] options parse_options(core::config_section section);

/// Fills the defaults that derive from public_url (service_url, issuer, connector_scope).
/// Call after public_url is final. Returns false if public_url is not an absolute http(s) URL.
[[nodiscard]] bool resolve_urls(options& o);

}  // namespace parley::channel
