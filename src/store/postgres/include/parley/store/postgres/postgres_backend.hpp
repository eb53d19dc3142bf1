// The PostgreSQL backend of the encrypted store (for more than one node), over libpqxx 6.4.
// All tables live in the schema `parley_store` of the configured database, with the same
// versioned migrations and semantics as the SQLite backend. Sequence numbers stay gap-free across
// processes: an append batch locks its conversation rows (SELECT ... FOR UPDATE, in primary-key
// order so that two processes never deadlock) before it reads last_seq, and writes rows and the
// new last_seq in the same transaction. Key creation and tenant-key rotation lock the tenant's
// row (shared / exclusive) so that no data key is wrapped under a version being retired.
//
// Connections: a pool for reads and one per writer thread; a lost connection is dropped (with
// the idle pool, which a server restart has broken too), the operation fails with
// errc::unavailable, and the next one reconnects. Every statement has a statement timeout.
//
// Configuration, section [store.postgres]:
//   dsn = "host=db.internal port=5432 dbname=parley user=parley sslmode=verify-full"
//   password = { file = "/run/secrets/parley-db" }   # never in the dsn
//   pool_size = 4                  # read connections kept open
//   writer_threads = 2             # concurrent write transactions (group commit in each)
//   connect_timeout = "5s"
//   statement_timeout = "30s"
// A dsn to a host other than loopback or a unix socket must say sslmode=verify-full (or
// verify-ca): conversation data travels only over verified TLS.
//
// Thread-safety: open() and the returned backend may be used from any thread.
#pragma once

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/store/backend.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>

namespace parley::store::postgres {

struct options {
  std::string dsn;                       ///< libpq keyword/value connection string, without password
  std::shared_ptr<const core::secret_string> password;  ///< from a file or variable; may be null
  unsigned pool_size = 4;                ///< read connections kept open
  unsigned writer_threads = 2;           ///< backend::max_writers()
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{30000};
};

/// Reads [store.postgres]. Problems (no dsn, a password in the dsn, no sslmode=verify-* for a
/// remote host) are recorded in the configuration.
[[nodiscard]] options parse_options(core::config_section section);

/// Checks a dsn as parse_options does; returns a description of the problem, or empty.
[[nodiscard]] std::string check_dsn(std::string_view dsn);

/// Connects once (to fail early) and returns the backend. errc::unavailable, logged without the
/// password.
[[nodiscard]] result<std::unique_ptr<store::backend>> open(const options& opts,
                                                           std::shared_ptr<spdlog::logger> log = nullptr);

}  // namespace parley::store::postgres
