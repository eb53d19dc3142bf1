// Private: a thin RAII layer over the SQLite C API: a connection that caches its prepared
// statements, and a borrowed statement that binds, steps and reads columns. Errors are turned
// into store errc (already_exists for unique violations, unavailable otherwise) and logged with
// SQLite's message, which names tables and columns, never values.
//
// Thread-safety: a connection is used by one thread at a time (opened with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <parley/store/backend.hpp>

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <chrono>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store::sqlite::detail {

class connection;

/// A prepared statement borrowed from a connection's cache; reset and cleared when destroyed.
class statement {
 public:
  statement(connection& c, sqlite3_stmt* s, bool once) noexcept : conn_(&c), stmt_(s), once_(once) {}
  statement(statement&& o) noexcept : conn_(o.conn_), stmt_(o.stmt_), once_(o.once_), failed_bind_(o.failed_bind_) {
    o.stmt_ = nullptr;
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  statement& operator=(statement&&) = delete;
  ~statement();

  statement& bind(int index, std::int64_t v);
  statement& bind(int index, std::string_view text);
  statement& bind_blob(int index, std::span<const std::uint8_t> blob);
  /// Binds without SQLite's copy: `blob` must stay valid until this statement is destroyed
  /// (bulk inserts of sealed bodies, where the copy was a measurable share of an append).
  statement& bind_blob_borrowed(int index, std::span<const std::uint8_t> blob);
  statement& bind_null(int index);

  /// True for a row, false when done; errors as store errc.
  result<bool> step();
  /// Steps until done (statements without rows).
  result<void> run();

  [[nodiscard]] std::int64_t int64(int col) const;
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] bytes blob(int col) const;
  [[nodiscard]] bool is_null(int col) const;

 private:
  connection* conn_;
  sqlite3_stmt* stmt_;
  bool once_;  // finalised when done (dynamic SQL), else reset and kept in the cache
  bool failed_bind_ = false;
};

struct connection_options {
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
  int wal_autocheckpoint = 1000;  ///< pages; 0 disables (writer only)
  bool synchronous_full = true;   ///< false: synchronous=NORMAL (no fsync per commit)
};

class connection {
 public:
  /// Opens (creating unless read-only) and configures: WAL, synchronous (FULL unless asked), busy timeout.
  static result<std::unique_ptr<connection>> open(const std::string& path, const connection_options& o,
                                                  std::shared_ptr<spdlog::logger> log);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// A cached prepared statement for `sql`, which must be a string with static storage (the
  /// cache is keyed by its address). errc::unavailable.
  result<statement> prepare(const char* sql);
  /// A statement prepared for this call only (dynamic SQL).
  result<statement> prepare_once(const std::string& sql);
  /// Runs one or more statements without parameters or rows.
  result<void> exec(const char* sql);

  /// Maps the last error to errc and logs it under `what`.
  error_code fail(int rc, std::string_view what);
  [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
  [[nodiscard]] bool in_transaction() const noexcept;

 private:
  friend class statement;
  connection(sqlite3* db, std::shared_ptr<spdlog::logger> log) : db_(db), log_(std::move(log)) {}
  void release(sqlite3_stmt* s, bool once) noexcept;

  sqlite3* db_;
  std::shared_ptr<spdlog::logger> log_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace parley::store::sqlite::detail
