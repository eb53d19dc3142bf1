// The bots of the configuration, looked up by id and by app id, and the union of their widget
// origins (CORS preflights carry no credentials, so they are answered for any bot's origin; the
// actual request is then checked against its own bot's origins).
// Immutable after construction; safe to share between threads.
#pragma once

#include "activity.hpp"

#include <parley/channel/options.hpp>

#include <set>
#include <string>
#include <string_view>

namespace parley::channel {

class bot_registry {
 public:
  explicit bot_registry(const std::vector<bot_options>& bots);

  [[nodiscard]] const bot_options* by_id(std::string_view id) const noexcept;
  [[nodiscard]] const bot_options* by_app_id(std::string_view app_id) const noexcept;
  [[nodiscard]] const std::vector<bot_options>& all() const noexcept { return bots_; }
  /// True if any bot allows `origin`.
  [[nodiscard]] bool any_allows(std::string_view origin) const;
  /// The bot's ChannelAccount: {id: bot id, name, role: "bot"}.
  [[nodiscard]] static account bot_account(const bot_options& b);

 private:
  std::vector<bot_options> bots_;
  std::set<std::string, std::less<>> origins_;
};

/// True when `origin` is one of the bot's origins or of the token's trusted origins.
[[nodiscard]] bool origin_allowed(const bot_options& bot, const std::vector<std::string>& trusted, std::string_view origin);

}  // namespace parley::channel
