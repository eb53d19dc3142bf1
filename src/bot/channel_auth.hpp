// Validation of the channel's JWT on POST /api/messages, as botbuilder 4.23 does it
// (bot-connector.md §1.2): `Authorization: Bearer <jwt>` (exactly one space, case-sensitive
// scheme), RS256, `iss` = the configured channel issuer, `aud` = the bot's app id as one string,
// `nbf`/`exp` with 5 minutes of skew, keys from the channel's OpenID metadata → jwks_uri through
// the jose remote cache, `serviceurl` equal byte for byte to the activity's serviceUrl, and, when
// the key carries endorsements, the activity's channelId among them. Anonymous bots (no app id)
// skip all of it, as botbuilder does. Private to the bot component.
// Thread-safety: authenticate() may be called from any thread.
#pragma once

#include "activity.hpp"

#include <parley/core/clock.hpp>
#include <parley/jose/remote_jwks.hpp>
#include <parley/jose/token.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bot {

/// How soon a failed fetch of the channel's keys is retried by the background refresh.
inline constexpr std::chrono::seconds channel_keys_retry{30};

struct channel_auth_settings {
  std::string app_id;            ///< empty: anonymous
  std::string issuer;            ///< ToBotFromChannelTokenIssuer
  std::string metadata_url;      ///< ToBotFromChannelOpenIdMetadataUrl
  std::chrono::seconds clock_skew{300};
};

class channel_authenticator {
 public:
  /// `fetcher` and `clock` must outlive this.
  channel_authenticator(const channel_auth_settings& s, jose::jwks_fetcher& fetcher, const core::clock& clock);
  ~channel_authenticator();

  /// OK, or errc::unauthorized (the reason is logged without the token).
  [[nodiscard]] boost::asio::awaitable<result<void>> authenticate(std::optional<std::string> authorization,
                                                                  const inbound_activity& activity) const;
  [[nodiscard]] bool anonymous() const noexcept { return app_id_.empty(); }
  /// The key cache, null when anonymous. service::start() runs its refresh loop, stop() ends it.
  [[nodiscard]] jose::remote_jwks_cache* keys() noexcept { return keys_.get(); }

 private:
  std::string app_id_;
  std::unique_ptr<jose::remote_jwks_cache> keys_;
  std::unique_ptr<jose::token_validator> validator_;
};

}  // namespace parley::bot
