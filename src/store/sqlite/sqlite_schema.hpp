// Private: the versioned migrations of the two SQLite files. Version n of the data file goes
// with version n of the key file; a migration never changes an applied one (add a new version).
#pragma once

#include <span>

namespace parley::store::sqlite::detail {

struct migration {
  int version;
  const char* sql;
  /// Applied only once encrypted_store has upgraded the rows the previous versions wrote
  /// (backend::upgrade_barrier).
  bool after_store_upgrade = false;
};

[[nodiscard]] std::span<const migration> data_migrations() noexcept;
[[nodiscard]] std::span<const migration> key_migrations() noexcept;
/// The first version that needs encrypted_store's row upgrade first (backend::upgrade_barrier).
[[nodiscard]] int upgrade_barrier() noexcept;

}  // namespace parley::store::sqlite::detail
