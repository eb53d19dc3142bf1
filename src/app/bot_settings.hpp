// `parley channel bot-settings`: the configuration an existing Bot Framework bot needs to talk to
// this channel instead of Azure (docs/bring-your-own-bot.md), computed from the same options the
// channel starts with, so that what is printed is what the channel checks and serves.
#pragma once

#include "settings.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace parley::app {

/// The channel's public URL as bots reach it: [channel] public_url, else the URL of the
/// "channel" listener (https when it has TLS or is behind_tls_proxy). std::nullopt (with the
/// reason in `why`) when it cannot be known before start-up: no channel listener, or port 0.
[[nodiscard]] std::optional<std::string> channel_public_url(const settings& s, std::string& why);

enum class bot_settings_format { all, env, appsettings, python, msal };

/// The text to print for bot `bot_id` of `s.channel` at `public_url`: botbuilder-js `.env` lines,
/// the C# appsettings.json, the Python DefaultConfig fields and the MSAL snippet for botbuilder-js
/// (`all`), or one of them alone. The app password is never in it (the configuration holds its
/// hash only): a placeholder names where it goes. std::nullopt (reason in `why`) for an unknown
/// bot, an anonymous one (no app_id) or an in-process one.
[[nodiscard]] std::optional<std::string> bot_settings_text(const settings& s, std::string_view bot_id,
                                                           const std::string& public_url, bot_settings_format format,
                                                           std::string& why);

}  // namespace parley::app
