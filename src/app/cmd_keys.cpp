// `parley keys ...`: the key-management command group. Each subcommand registers itself on the
// group in add_keys() and returns what to run; jose adds `keys rotate` and `keys list` here.
#include "cmd_keys_signing.hpp"
#include "cmd_keys_store.hpp"
#include "commands.hpp"
#include "root_key_cli.hpp"
#include "root_key_wrapper.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/root_key.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>

namespace parley::app {
namespace {

command add_keys_init(CLI::App& keys) {
  auto* sub = keys.add_subcommand(
      "init", "Create a new root key file (32 random bytes, mode 0600) where --config or --data-dir names it; never overwrites");
  auto a = std::make_shared<root_key_args>();
  add_root_key_options(sub, *a, /*older_spelling=*/true,
                       "TOML configuration file: create the key its [crypto] root_key_file names");
  return [a] {
    // Without any option: parley-root.key in the working directory, as before.
    auto where = root_key_location(*a, "parley-root.key");
    if (!where) return 2;
    if (where->root_key_file.empty()) {
      std::fprintf(stderr, "parley: keys init: %s takes its root key from $%s ([crypto] root_key_env): no file to create\n",
                   a->config.c_str(), where->root_key_env.c_str());
      return 2;
    }
    const std::string file = where->root_key_file;
    if (!a->data_dir.empty()) {
      // The demo's data directory is private to it (as `parley demo` makes it).
      std::error_code ec;
      std::filesystem::create_directories(a->data_dir, ec);
      if (ec || ::chmod(a->data_dir.c_str(), 0700) != 0) {
        std::fprintf(stderr, "parley: keys init: cannot create the data directory %s\n", a->data_dir.c_str());
        return 1;
      }
    }
    auto check = crypto::root_key::create_file(file);
    if (!check) {
      const bool exists = check.error() == crypto::errc::already_exists;
      std::fprintf(stderr, "parley: keys init: %s: %s\n", file.c_str(),
                   exists ? "already exists; refusing to overwrite a root key" : check.error().message().c_str());
      return 1;
    }
    // The check value identifies the key without revealing it; the store keeps it beside the data.
    std::printf("created root key %s (mode 0600)\nkey check value: %s\n", file.c_str(),
                core::hex_encode(std::span<const std::uint8_t>(check->data(), check->size())).c_str());
    return 0;
  };
}

}  // namespace

command add_keys(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "Manage Parley's keys");
  keys->require_subcommand(1);
  auto commands = std::make_shared<std::map<const CLI::App*, command>>();
  auto add = [&](auto factory) {
    auto cmd = factory(*keys);
    commands->emplace(keys->get_subcommands({}).back(), std::move(cmd));
  };
  add(add_keys_init);
  add(add_keys_rotate_root);
  add(add_keys_rotate_tenant);

  // `keys rotate` opens the signing-key file with the root key; `keys list` needs no key.
  auto signing = add_keys_signing(*keys, [](const crypto::options& where) -> result<std::unique_ptr<jose::key_wrapper>> {
    auto root = crypto::load_root_key(where, core::process_environment());
    if (!root) return root.error();
    return std::unique_ptr<jose::key_wrapper>(
        std::make_unique<root_key_wrapper>(std::make_shared<const crypto::root_key>(std::move(*root))));
  });
  return [keys, commands, signing] {
    if (auto rc = signing()) return *rc;
    for (const auto* sub : keys->get_subcommands()) return commands->at(sub)();
    return 1;
  };
}

}  // namespace parley::app
