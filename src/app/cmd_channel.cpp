// `parley channel hash-secret`: reads a secret on stdin (never from the command line, which other
// users can see in the process list) and prints the salted scrypt hash to put in the
// configuration ([[channel.bots]] secret_hashes or app_password_hash).
// `parley channel bot-settings --config FILE --bot ID`: the botbuilder settings of a registered bot
// (bot_settings.hpp; docs/bring-your-own-bot.md).
#include "bot_settings.hpp"
#include "commands.hpp"
#include "store_wiring.hpp"

#include <parley/channel/secret_hash.hpp>
#include <parley/core/random.hpp>

#include <openssl/crypto.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace parley::app {

command add_channel(CLI::App& app) {
  auto* group = app.add_subcommand("channel", "Channel administration");
  group->require_subcommand(1);
  auto* hash = group->add_subcommand(
      "hash-secret", "Read a channel secret or app password on stdin; print its salted hash for the configuration");
  auto* bs = group->add_subcommand(
      "bot-settings", "Print the botbuilder settings (.env, appsettings.json, Python, MSAL) of a registered bot");
  auto config_file = std::make_shared<std::string>();
  auto bot_id = std::make_shared<std::string>();
  auto public_url = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("all");
  bs->add_option("--config", *config_file, "TOML configuration file of the channel")->required();
  bs->add_option("--bot", *bot_id, "The bot's id in [[channel.bots]]")->required();
  bs->add_option("--public-url", *public_url, "The channel's URL, when the configuration cannot know it (port 0)");
  bs->add_option("--format", *format, "all (default), env, appsettings, python or msal")
      ->check(CLI::IsMember({"all", "env", "appsettings", "python", "msal"}));
  return [hash, bs, config_file, bot_id, public_url, format] {
    if (bs->parsed()) {
      auto s = load_settings(*config_file);
      if (!s) return 2;
      std::string why;
      std::optional<std::string> url = *public_url;
      if (public_url->empty()) url = channel_public_url(*s, why);
      const auto f = *format == "env"           ? bot_settings_format::env
                     : *format == "appsettings" ? bot_settings_format::appsettings
                     : *format == "python"      ? bot_settings_format::python
                     : *format == "msal"        ? bot_settings_format::msal
                                                : bot_settings_format::all;
      auto text = url ? bot_settings_text(*s, *bot_id, *url, f, why) : std::optional<std::string>{};
      if (!text) {
        std::fprintf(stderr, "parley: channel bot-settings: %s\n", why.c_str());
        return 1;
      }
      std::fputs(text->c_str(), stdout);
      return 0;
    }
    if (!hash->parsed()) return 1;
    std::string secret;
    std::getline(std::cin, secret);
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
    auto h = channel::hash_secret(secret, core::os_random());
    OPENSSL_cleanse(secret.data(), secret.size());
    if (!h) {
      std::fprintf(stderr,
                   "parley: channel hash-secret: the secret must be %zu to 1024 characters (generate one, e.g. "
                   "`openssl rand -base64 32`)\n",
                   channel::min_secret_length);
      return 1;
    }
    std::printf("%s\n", h->c_str());
    return 0;
  };
}

}  // namespace parley::app
