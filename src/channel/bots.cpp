#include "bots.hpp"

#include <algorithm>

namespace parley::channel {

bot_registry::bot_registry(const std::vector<bot_options>& bots) : bots_(bots) {
  for (const auto& b : bots_) origins_.insert(b.origins.begin(), b.origins.end());
}

const bot_options* bot_registry::by_id(std::string_view id) const noexcept {
  for (const auto& b : bots_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

const bot_options* bot_registry::by_app_id(std::string_view app_id) const noexcept {
  if (app_id.empty()) return nullptr;
  for (const auto& b : bots_) {
    if (b.app_id == app_id) return &b;
  }
  return nullptr;
}

bool bot_registry::any_allows(std::string_view origin) const { return origins_.contains(origin); }

account bot_registry::bot_account(const bot_options& b) { return {b.id, b.name, "bot"}; }

bool origin_allowed(const bot_options& bot, const std::vector<std::string>& trusted, std::string_view origin) {
  return std::find(bot.origins.begin(), bot.origins.end(), origin) != bot.origins.end() ||
         std::find(trusted.begin(), trusted.end(), origin) != trusted.end();
}

}  // namespace parley::channel
