// Configuration of the encrypted store, section [store]:
//
//   [store]
//   backend = "sqlite"             # "sqlite" (embedded default) or "postgres"; their own tables
//                                  # [store.sqlite] and [store.postgres] are read by the backends
//   threads = 2                    # blocking pool for reads and decryption
//   max_batch = 512                # appends and writes grouped into one transaction at most
//   max_activity_bytes = 262144    # activity JSON
//   max_attachment_bytes = 8388608 # one uploaded file
//   max_bot_state_bytes = 1048576  # one conversation's bot state
//   key_cache_size = 4096          # unwrapped data keys kept in memory
//   bot_state_cache_size = 4096    # conversations whose (sealed) bot state is cached; 0: none
//   bot_state_cache_bytes = 16777216 # bound on the cached states' bytes
//   migrate_on_open = true         # apply pending schema migrations at start-up
//   default_retention = "0"        # purge conversations idle longer than this; 0 keeps them
//   [[store.retention]]            # per-tenant retention, overrides default_retention
//   tenant = "bankx"
//   keep = "90d"
//
// The root key and the erasure-secrets file come from [crypto] (crypto/options.hpp).
#pragma once

#include <parley/core/config.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace parley::store {

enum class backend_kind { sqlite, postgres };

struct options {
  backend_kind backend = backend_kind::sqlite;  ///< which backend src/app builds
  unsigned threads = 2;                         ///< reader/decryption pool threads
  std::size_t max_batch = 512;                  ///< operations per group-commit transaction
  std::size_t max_activity_bytes = 256 * 1024;  ///< errc::too_large above this
  std::size_t max_attachment_bytes = 8 * 1024 * 1024;
  std::size_t max_bot_state_bytes = 1024 * 1024;
  std::size_t key_cache_size = 4096;  ///< data keys kept unwrapped (protected memory); LRU
  /// Bot states kept (sealed) in memory so that get_bot_state needs no database read; puts
  /// still check the etag in the database. 0 disables. LRU, also bounded by bytes below.
  std::size_t bot_state_cache_size = 4096;
  std::size_t bot_state_cache_bytes = 16 * 1024 * 1024;
  bool migrate_on_open = true;        ///< false: refuse to start on an outdated schema
  /// Conversations idle longer than this are purged by `parley store purge`; zero keeps them.
  std::chrono::milliseconds default_retention{0};
  /// Per-tenant retention, by tenant id; overrides default_retention.
  std::map<std::string, std::chrono::milliseconds, std::less<>> retention;

  /// The retention that applies to `tenant_id` (zero: keep).
  [[nodiscard]] std::chrono::milliseconds retention_for(std::string_view tenant_id) const;
};

/// Reads section [store] (not its [store.sqlite]/[store.postgres] tables, which the caller must
/// have read from the same section object first). Problems are recorded in the configuration.
[[nodiscard]] options parse_options(core::config_section section);

}  // namespace parley::store
