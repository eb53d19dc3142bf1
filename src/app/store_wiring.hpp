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

/// Loads `config_file` with PARLEY_* overrides and resolves the store's and the root key's
/// relative paths against the file's directory. Problems go to stderr; std::nullopt then.
[[nodiscard]] std::optional<settings> load_settings(const std::string& config_file);

/// The embedded demo in `data_dir` (created 0700 if missing): SQLite files, the root key (created
/// with mode 0600 on first start if absent), the erasure secrets and the audit log's checkpoint
/// keys (audit-keys.json), all in that directory.
[[nodiscard]] std::optional<settings> demo_settings(const std::filesystem::path& data_dir);

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
