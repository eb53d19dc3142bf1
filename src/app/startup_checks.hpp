// What `parley check-config` and `parley serve` share, so that the two always agree: the one
// relative-path rule, and every check start-up makes short of binding a port (paths that must
// exist, files the store needs, key files readable, secrets present, TLS material that loads).
//
// Each section adds its checks in one place: a `check_<section>` function in startup_checks.cpp,
// called from check_startup(). A check records problems in the config's errors (under the key it
// concerns), so they print like parse errors. Checks read files but never create or change one.
#pragma once

#include "settings.hpp"

#include <parley/core/config.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace parley::app {

/// THE relative-path rule, for every path of every section: a relative path is taken from the
/// directory of the configuration file (core::config::base_dir()); absolute paths and "" are
/// returned unchanged. Secret references ({ file = "..." }) follow the same rule (core::config).
[[nodiscard]] std::string resolve_path(const std::filesystem::path& config_dir, const std::string& path);

/// Applies resolve_path to every path in `s` (the list of path settings lives here, once).
void resolve_paths(settings& s, const std::filesystem::path& config_dir);

/// True when `serve` opens the encrypted store for `s` (a channel bot, a [bot] or a desk listener).
[[nodiscard]] bool needs_store(const settings& s);

/// Every check start-up makes before it binds a port, on settings whose paths are resolved.
/// Problems go to `cfg`'s errors. Not thread-safe (start-up only).
void check_startup(core::config& cfg, const settings& s);

/// The configuration as `serve` uses it: loaded with PARLEY_* overrides, read, paths resolved,
/// every start-up check run.
struct checked_settings {
  std::unique_ptr<core::config> cfg;  ///< for secret_env_names()
  settings s;
};

/// Loads and checks `config_file`. On any problem prints every one to stderr, then
/// "parley: FILE: N problem(s)", and returns std::nullopt.
[[nodiscard]] std::optional<checked_settings> load_checked_settings(const std::string& config_file);

}  // namespace parley::app
