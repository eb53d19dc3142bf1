// How every subcommand names the root key (one convention for serve, demo, keys and store):
//   --config FILE   the configuration's [crypto] root_key_file (relative to the file's directory)
//                   or root_key_env, and root_key_version;
//   --data-dir DIR  the embedded demo's data directory: DIR/root.key, version 1.
// `keys init` and `keys rotate` also take `--root-key-file FILE [--root-key-version N]`, their older
// spelling (kept for scripts), which names a key file directly and wins over --config.
#pragma once

#include <parley/crypto/options.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace parley::app {

struct root_key_args {
  std::string config;         ///< --config
  std::string data_dir;       ///< --data-dir
  std::string file;           ///< --root-key-file (older spelling)
  std::uint32_t version = 0;  ///< --root-key-version; 0: from --config, else 1
};

/// The demo's root key in its data directory (what `parley demo` creates on first start).
[[nodiscard]] inline std::filesystem::path demo_root_key(const std::filesystem::path& data_dir) {
  return data_dir / "root.key";
}

/// Adds --config and --data-dir (exclusive), and with `older_spelling` --root-key-file and
/// --root-key-version. `config_help` is the help of --config (what the subcommand reads from it).
void add_root_key_options(CLI::App* sub, root_key_args& a, bool older_spelling, const std::string& config_help);

/// The root key the arguments name, as [crypto] options (only the root key fields are set);
/// `fallback_file` when none names one. Reads only [crypto] of --config; its problems go to
/// stderr and give nullopt.
[[nodiscard]] std::optional<crypto::options> root_key_location(const root_key_args& a,
                                                               const std::string& fallback_file);

}  // namespace parley::app
