// The subcommands of `parley`. Each registers its options on the CLI11 app and returns the
// function to run when it is chosen; main.cpp lists them explicitly (no static registration).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace parley::app {

using command = std::function<int()>;

command add_version(CLI::App& app);
command add_check_config(CLI::App& app);
command add_serve(CLI::App& app);
command add_demo(CLI::App& app);
/// The `channel` group (cmd_channel.cpp): `channel hash-secret`, `channel bot-settings`.
command add_channel(CLI::App& app);
/// The `keys` group (cmd_keys.cpp): `keys init`; other key subcommands are added there.
command add_keys(CLI::App& app);
/// The `store` group (cmd_store.cpp): migrate, erase-conversation, erase-user, purge.
command add_store(CLI::App& app);
/// The `audit` group (cmd_audit.cpp): verify, export, rotate-key.
command add_audit(CLI::App& app);
/// `dev-tls` (cmd_dev_tls.cpp): a development CA and loopback certificate.
command add_dev_tls(CLI::App& app);

}  // namespace parley::app
