#include "sqlite_db.hpp"

#include <sqlite3.h>

#include <string>

namespace parley::store::sqlite::detail {

statement::~statement() {
  if (stmt_ != nullptr) conn_->release(stmt_, once_);
}

statement& statement::bind(int index, std::int64_t v) {
  failed_bind_ = failed_bind_ || sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK;
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's string may go away before step().
  failed_bind_ = failed_bind_ || sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                                     SQLITE_UTF8) != SQLITE_OK;
  return *this;
}

statement& statement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  // A zero-length blob is still a blob (not NULL): SQLite needs a non-null pointer for that.
  static const std::uint8_t empty = 0;
  const void* p = blob.empty() ? &empty : blob.data();
  failed_bind_ = failed_bind_ || sqlite3_bind_blob64(stmt_, index, p, blob.size(), SQLITE_TRANSIENT) != SQLITE_OK;
  return *this;
}

statement& statement::bind_blob_borrowed(int index, std::span<const std::uint8_t> blob) {
  static const std::uint8_t empty = 0;
  const void* p = blob.empty() ? &empty : blob.data();
  failed_bind_ = failed_bind_ || sqlite3_bind_blob64(stmt_, index, p, blob.size(), SQLITE_STATIC) != SQLITE_OK;
  return *this;
}

statement& statement::bind_null(int index) {
  failed_bind_ = failed_bind_ || sqlite3_bind_null(stmt_, index) != SQLITE_OK;
  return *this;
}

result<bool> statement::step() {
  if (failed_bind_) return bool_error(conn_->fail(SQLITE_MISUSE, "bind"));
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return bool_error(conn_->fail(rc, sqlite3_sql(stmt_)));
}

result<void> statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return {};
  }
}

std::int64_t statement::int64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

bytes statement::blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? bytes(p, p + n) : bytes();
}

bool statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

result<std::unique_ptr<connection>> connection::open(const std::string& path, const connection_options& o,
                                                     std::shared_ptr<spdlog::logger> log) {
  sqlite3* db = nullptr;
  const int flags = (o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    log->error("sqlite: cannot open {}: {}", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return make_error_code(errc::unavailable);
  }
  std::unique_ptr<connection> c(new connection(db, std::move(log)));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(o.busy_timeout.count()));
  // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (fsync of the WAL)
  // before it is acknowledged, power loss included; group commit pays one fsync per batch
  // (docs/adr/0006-encrypted-store.md). temp_store=MEMORY: no temporary files beside the database.
  if (!o.read_only) {
    if (auto r = c->exec("PRAGMA journal_mode=WAL"); !r) return r.error();
    // The writer's page cache: 64 MiB (grown only as used) instead of SQLite's 2 MiB keeps the
    // index and tail pages of busy conversations in memory; it cut the CPU time per 1 KiB append
    // by about a fifth in bench/store (bench/results/store.md).
    if (auto r = c->exec("PRAGMA cache_size=-65536"); !r) return r.error();
    const std::string ckpt = "PRAGMA wal_autocheckpoint=" + std::to_string(o.wal_autocheckpoint);
    if (sqlite3_exec(db, ckpt.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return c->fail(sqlite3_errcode(db), "wal_autocheckpoint");
    }
  }
  // synchronous=NORMAL only when the operator chose it (sqlite::synchronous_mode::normal).
  // secure_delete=ON explicitly (Debian builds it in by default; other builds do not): deleted
  // content is overwritten with zeros, so an erased row leaves nothing readable in its page.
  const char* pragmas =
      o.synchronous_full
          ? "PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF; PRAGMA secure_delete=ON"
          : "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF; PRAGMA secure_delete=ON";
  if (auto r = c->exec(pragmas); !r) return r.error();
  return c;
}

connection::~connection() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

result<statement> connection::prepare(const char* sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return statement(*this, it->second, false);
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return fail(rc, sql);
  cache_.emplace(sql, s);
  return statement(*this, s, false);
}

result<statement> connection::prepare_once(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return fail(rc, "dynamic statement");
  return statement(*this, s, true);
}

result<void> connection::exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(rc, sql);
  return {};
}

bool connection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

void connection::release(sqlite3_stmt* s, bool once) noexcept {
  if (once) {
    sqlite3_finalize(s);
    return;
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

error_code connection::fail(int rc, std::string_view what) {
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return errc::already_exists;
  // Messages name the statement and SQLite's reason (e.g. "database or disk is full"), never values.
  log_->warn("sqlite: {} ({}): {}", sqlite3_errstr(rc), rc, what.substr(0, 120));
  return errc::unavailable;
}

}  // namespace parley::store::sqlite::detail
