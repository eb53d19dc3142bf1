// Private: the versioned migrations of the PostgreSQL schema `parley_store`. Version n here is
// version n of the SQLite files (same tables, same meaning); a migration never changes once
// released (add a new version).
#pragma once

#include <span>

namespace parley::store::postgres::detail {

struct migration {
  int version;
  const char* sql;
  /// Applied only once encrypted_store has upgraded the rows the previous versions wrote
  /// (backend::upgrade_barrier).
  bool after_store_upgrade = false;
};

[[nodiscard]] std::span<const migration> migrations() noexcept;
/// The first version that needs encrypted_store's row upgrade first.
[[nodiscard]] int upgrade_barrier() noexcept;

}  // namespace parley::store::postgres::detail
