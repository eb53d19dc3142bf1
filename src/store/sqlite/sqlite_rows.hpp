// Private: the small helpers the SQLite session's files share to run statements and read rows.
#pragma once

#include "sqlite_db.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace parley::store::sqlite::detail {

inline std::int64_t i64(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

// Runs a prepared statement that returns at most one row and reads it with `read`.
template <class T, class Read>
inline result<std::optional<T>> one(result<statement> st, Read read) {
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<T>{};
  return std::optional<T>{read(*st)};
}

template <class T, class Read>
inline result<std::vector<T>> all(result<statement> st, Read read) {
  if (!st) return st.error();
  std::vector<T> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read(*st));
  }
}

inline result<void> run(result<statement> st) {
  if (!st) return st.error();
  return st->run();
}

}  // namespace parley::store::sqlite::detail
