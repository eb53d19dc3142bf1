// Builds the encrypted store from settings (the composition root's job): loads the root key,
// opens the configured backend (SQLite or PostgreSQL) and the store over it, and turns every
// start-up failure into one clear line on stderr. Also the embedded demo's store settings.
#pragma once

#include "settings.hpp"

#include <parley/store/encrypted_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace parley::app {

/// Loads `config_file` with PARLEY_* overrides and resolves every relative path by the one rule
/// (startup_checks.hpp: the file's directory). Problems go to stderr; std::nullopt then.
[[nodiscard]] std::optional<settings> load_settings(const std::string& config_file);

/// Where the embedded demo keeps its erasure secrets unless told: a directory beside the data
/// directory, "<data_dir>-erasure", so that a copy of the data directory does not hold them.
[[nodiscard]] std::filesystem::path default_erasure_dir(const std::filesystem::path& data_dir);

/// The embedded demo in `data_dir` (created 0700 if missing): SQLite files, the root key (created
/// with mode 0600 on first start if absent) and the audit log's checkpoint keys (audit-keys.json);
/// the erasure secrets in `erasure_dir` (default: default_erasure_dir(data_dir); created 0700).
/// An erasure-secrets file that an earlier build kept in the data directory is moved there (once,
/// with a notice).
[[nodiscard]] std::optional<settings> demo_settings(const std::filesystem::path& data_dir,
                                                    const std::filesystem::path& erasure_dir = {});

/// Why the erasure secrets sit where a backup of the database would take them too, or empty:
/// the file is inside the SQLite database's directory tree (or the database inside the file's),
/// or the two share a directory other than the filesystem root.
[[nodiscard]] std::string erasure_secrets_placement_problem(const settings& s);

/// Opens the store `s` describes; `migrate` applies pending migrations. On failure prints why
/// (wrong root key, unreachable database...) and returns nullptr; nothing was changed then.
[[nodiscard]] std::unique_ptr<store::encrypted_store> open_store(const settings& s, bool migrate);

/// Runs an awaitable to completion on a private io_context (one-shot commands).
template <class T>
T run_sync(boost::asio::awaitable<T> aw) {
  boost::asio::io_context ctx;
  auto fut = boost::asio::co_spawn(ctx, std::move(aw), boost::asio::use_future);
  ctx.run();
  return fut.get();
}

}  // namespace parley::app
