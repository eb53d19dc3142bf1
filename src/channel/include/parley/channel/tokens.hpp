// Every token the channel signs or checks, through jose profiles and Parley's signing key store:
//
//  - Direct Line conversation tokens (ES256, typ "dl+jwt"): bound to one conversation, one user
//    (`user`, the claim directlinejs and Web Chat read), one bot and tenant, and one session: `sid`
//    (random), `sst` (when the session started: refresh never moves it) and `gen` (0, then +1 at
//    every refresh, so that a replaced token is told from the current one); with `cnf.jkt` when
//    sender-constrained (RFC 9449: only a request with a proof signed by that key may use it).
//  - Stream tokens (ES256, typ "dl-stream+jwt", ~60 s, usable once): the `t=` of a streamUrl, with
//    the same session claims and `cnf`.
//  - To-bot tokens (RS256, typ "JWT", claims exactly like Azure's: iss, aud = app id, serviceurl,
//    nbf, exp): on every channel → bot call, cached per (app id, serviceUrl) until 5 min before expiry.
//  - Bot access tokens (ES256, typ "at+jwt"): issued by the client-credentials endpoint, checked on
//    every Connector call (iss, aud = the connector scope, appid/azp, time window).
//
// Each kind has its own key purpose (so its own keys) and its own `typ` and `aud`, so that no token
// is accepted in the place of another. Successful verifications of conversation and bot access
// tokens are cached, keyed by the SHA-256 of the token, until the token's expiry (bounded; a full
// cache evicts the oldest entries): a polling client presents the same token every second, and an
// ES256 verification costs ~100 µs while the rest of a request costs a few. A key removed from the
// store does not evict cached tokens it signed (they expire on their own).
//
// Errors: errc::token_expired for a genuine token past its expiry; errc::bad_credentials for any
// other failure (malformed, wrong type, signature, issuer, audience, claims, a stream token used
// twice); errc::internal when a key cannot be had.
// Thread-safety: every member function may be called from any thread.
#pragma once

#include <parley/channel/options.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>
#include <parley/jose/key_store.hpp>
#include <parley/jose/token.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::channel {

/// What a Direct Line conversation or stream token binds.
struct conversation_grant {
  std::string conversation_id;
  std::string user_id;
  std::string user_name;  ///< optional display name from tokens/generate
  std::string bot_id;
  std::string tenant_id;
  std::vector<std::string> trusted_origins;  ///< from tokens/generate (getsessionid checks them)
  std::chrono::system_clock::time_point expires{};
  std::string session_id;                                 ///< `sid`
  std::chrono::system_clock::time_point session_start{};  ///< `sst`
  std::uint64_t generation = 0;                           ///< `gen`
  std::string jkt;       ///< `cnf.jkt`: the thumbprint of the key the token is bound to; empty: a bearer token
  std::string token_id;  ///< `jti` of a redeemed stream token (redeem_stream_token only; else empty)
  [[nodiscard]] bool bound() const noexcept { return !jkt.empty(); }
};

/// What a bot access token proves.
struct bot_grant {
  std::string app_id;
  std::string tenant_id;  ///< the tenant segment the token was requested under ("botframework.com" or a tenant)
  std::chrono::system_clock::time_point expires{};
};

struct issued_token {
  std::string token;
  std::chrono::seconds expires_in{0};
};

/// Key purposes (names and algorithms) the signing key store must hold for the channel.
inline constexpr std::string_view directline_key_purpose = "directline";
inline constexpr std::string_view to_bot_key_purpose = "connector";
inline constexpr std::string_view bot_access_key_purpose = "bot-access";

class token_service {
 public:
  /// The purposes to open the signing key store with.
  [[nodiscard]] static std::vector<jose::key_purpose> key_purposes();

  /// `opts` must have resolved URLs (resolve_urls); `keys`, `clock` and `rng` must outlive this.
  token_service(const options& opts, jose::signing_key_store& keys, const core::clock& clock, core::random_source& rng);
  ~token_service();
  token_service(const token_service&) = delete;
  token_service& operator=(const token_service&) = delete;

  [[nodiscard]] result<issued_token> issue_conversation_token(const conversation_grant& g,
                                                              std::chrono::seconds lifetime);
  /// Verifies (or finds in the cache) a conversation token.
  [[nodiscard]] result<conversation_grant> verify_conversation_token(std::string_view token);

  [[nodiscard]] result<std::string> issue_stream_token(const conversation_grant& g);
  /// Verifies a stream token and marks it used: a second redemption fails (bad_credentials).
  /// `check` (optional) runs after the signature and claims are verified and before the token is
  /// marked used: its error is returned and the token stays unused (a DPoP proof check).
  [[nodiscard]] result<conversation_grant> redeem_stream_token(
      std::string_view token, const std::function<error_code(const conversation_grant&)>& check = {});

  /// The bearer token for a call to the bot `app_id` carrying activities with `service_url`.
  [[nodiscard]] result<std::string> to_bot_token(std::string_view app_id, std::string_view service_url);

  [[nodiscard]] result<issued_token> issue_bot_access_token(std::string_view app_id, std::string_view tenant);
  [[nodiscard]] result<bot_grant> verify_bot_access_token(std::string_view token);

  /// JWKS of the to-bot keys with `endorsements: ["directline"]` (what botbuilder reads).
  [[nodiscard]] result<std::string> to_bot_jwks() const;
  /// JWKS of the bot access token keys (the jwks_uri of the token endpoint's metadata).
  [[nodiscard]] result<std::string> bot_access_jwks() const;

  /// Entries in the verification cache (for tests and metrics).
  [[nodiscard]] std::size_t cached_verifications() const;

  struct state;

 private:
  std::unique_ptr<state> s_;
};

}  // namespace parley::channel
