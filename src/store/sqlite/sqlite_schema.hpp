// Private: the versioned migrations of the two SQLite files. Version n of the data file goes
// with version n of the key file; a migration never changes an applied one (add a new version).
#pragma once

#include <span>

namespace parley::store::sqlite::detail {

struct migration {
  int version;
  const char* sql;
};

[[nodiscard]] std::span<const migration> data_migrations() noexcept;
[[nodiscard]] std::span<const migration> key_migrations() noexcept;

}  // namespace parley::store::sqlite::detail
