// The SQLite backend of the encrypted store (the embedded default). Two files: the data file
// (conversations, activities, bot state, attachments, all secret-bearing columns sealed) and the
// key file (wrapped tenant and data keys, the root key's check value). Keeping keys apart lets an
// older copy of the data file be read with the current key file, minus what was erased since
// (docs/adr/0006-encrypted-store.md).
//
// Both files: WAL journal, synchronous=FULL (an acknowledged commit survives power loss; group
// commit in the store amortises the fsync), busy timeout, versioned migrations (PRAGMA
// user_version), prepared statements. One writer connection pair (backend::max_writers() == 1)
// and a pool of read-only pairs. A session's commit() commits the key file first.
//
// Configuration, section [store.sqlite]:
//   path = "parley.db"            # the data file
//   keys_path = ""                # the key file; empty: "<path without .db>-keys.db" beside it
//   busy_timeout = "5s"           # how long a statement waits for a lock before errc::unavailable
//   readers = 4                   # pooled read connections
//   synchronous = "full"          # "full" (default): an acknowledged write survives power loss;
//                                 # "normal": survives a crash of the process only (no fsync
//                                 # per commit; the WAL is synced at checkpoints). ADR 0006.
//
// Thread-safety: open() and the returned backend may be used from any thread.
#pragma once

#include <parley/core/config.hpp>
#include <parley/store/backend.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>

namespace parley::store::sqlite {

/// How durable an acknowledged write is (SQLite's `synchronous` in WAL mode).
enum class synchronous_mode {
  full,    ///< the WAL is fsynced at every commit: survives power loss and kill -9 (default)
  normal,  ///< no fsync at commit: survives kill -9, may lose the last commits on power loss
};

struct options {
  std::string path = "parley.db";  ///< data file (created if missing)
  std::string keys_path;           ///< key file; empty: derived from path (keys_path_for)
  std::chrono::milliseconds busy_timeout{5000};
  unsigned readers = 4;  ///< read connection pairs kept open
  /// Durability of acknowledged writes; `normal` is an explicit trade-off (docs/adr/0006).
  synchronous_mode synchronous = synchronous_mode::full;
  /// WAL pages before a checkpoint (run by a thread of the backend, not by the committing
  /// writer); 0 disables them (tests that inspect the WAL).
  int wal_autocheckpoint = 1000;
};

/// "dir/parley.db" -> "dir/parley-keys.db".
[[nodiscard]] std::string keys_path_for(const std::string& path);

/// Reads [store.sqlite]; paths are kept as written: src/app takes a relative one from the
/// configuration file's directory (README.md, "Paths").
[[nodiscard]] options parse_options(core::config_section section);

/// Opens (creating if missing) both files. errc::unavailable with a log line on failure.
[[nodiscard]] result<std::unique_ptr<store::backend>> open(const options& opts,
                                                           std::shared_ptr<spdlog::logger> log = nullptr);

}  // namespace parley::store::sqlite
