// `parley keys rotate [--purpose P]` and `parley keys list`: Parley's token-signing keys (the
// jose component's key store). They join the `keys` subcommand group that cmd_keys.cpp creates
// (with `keys init`, from the crypto component).
#pragma once

#include <parley/core/error.hpp>
#include <parley/crypto/options.hpp>
#include <parley/jose/key_store.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace parley::app {

/// Opens the root key `where` names as a jose::key_wrapper (the crypto component's root key;
/// wired in cmd_keys.cpp). Called only by `keys rotate`; `keys list` never needs the root key.
using signing_key_wrapper_source = std::function<result<std::unique_ptr<jose::key_wrapper>>(const crypto::options& where)>;

/// Adds `rotate` and `list` under `keys`, each with --config | --data-dir (root_key_cli.hpp); the
/// signing-key file is [jose] key_file of --config, or the demo's DIR/signing-keys.json. The returned function runs whichever of the two was
/// chosen and returns its exit code, or nullopt when neither was (so that cmd_keys.cpp can go on
/// with its own subcommands).
[[nodiscard]] std::function<std::optional<int>()> add_keys_signing(CLI::App& keys, signing_key_wrapper_source wrapper);

}  // namespace parley::app
