// Private: the versioned migrations of the PostgreSQL schema `parley_store`. Version n here is
// version n of the SQLite files (same tables, same meaning); a migration never changes once
// released (add a new version).
#pragma once

#include <span>

namespace parley::store::postgres::detail {

struct migration {
  int version;
  const char* sql;
};

[[nodiscard]] std::span<const migration> migrations() noexcept;

}  // namespace parley::store::postgres::detail
