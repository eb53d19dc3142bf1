// Private to the SQLite tests: the suite environment over a temporary pair of SQLite files, with
// raw access through a separate connection (the key file attached, so that SQL sees both).
#pragma once

#include <parley/core/base64.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace parley::store::sqlite::testing {

inline std::string read_whole_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class sqlite_env final : public store::testing::backend_env {
 public:
  sqlite_env() {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-sqlite-" + std::to_string(::getpid()) + "-" + core::random_id(core::os_random(), "", 6));
    std::filesystem::create_directories(dir_);
    opts_.path = (dir_ / "store.db").string();
    opts_.keys_path = (dir_ / "store-keys.db").string();
    opts_.wal_autocheckpoint = 0;  // keep everything in the WAL: the scans must look there too
  }
  ~sqlite_env() override {
    if (raw_) sqlite3_close_v2(raw_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string name() const override { return "sqlite"; }
  std::unique_ptr<store::backend> open_backend() override {
    auto b = sqlite::open(opts_);
    if (!b) throw std::runtime_error("sqlite open: " + b.error().message());
    return std::move(*b);
  }

  void exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(raw(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("sqlite exec: " + msg);
    }
  }

  std::vector<bytes> select_blobs(const std::string& sql) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(raw(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(raw()));
    }
    std::vector<bytes> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, 0));
      out.emplace_back(p, p + sqlite3_column_bytes(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }

  void update_blob(const std::string& sql, const bytes& value) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(raw(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(raw()));
    }
    sqlite3_bind_blob(st, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error("sqlite update failed");
  }

  /// Every file of both databases: main files, WAL and shared-memory index.
  std::vector<std::filesystem::path> files() const {
    std::vector<std::filesystem::path> out;
    for (const auto& base : {opts_.path, opts_.keys_path}) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::path p = base + suffix;
        if (std::filesystem::exists(p)) out.push_back(p);
      }
    }
    return out;
  }

  bool storage_contains(std::string_view needle) override {
    for (const auto& f : files()) {
      if (read_whole_file(f).find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::string fingerprint() override {
    std::string all;
    for (const auto& table : {"data_meta", "tenants", "conversations", "activities", "idempotency", "bot_state",
                              "attachments", "key_meta", "tenant_keys", "data_keys", "tenant_secrets"}) {
      sqlite3_stmt* st = nullptr;
      const std::string sql = std::string("SELECT * FROM ") + table + " ORDER BY 1, 2";
      if (sqlite3_prepare_v2(raw(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) continue;
      while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
          const auto* p = static_cast<const char*>(sqlite3_column_blob(st, c));
          all.append(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
          all.push_back('\x1f');
        }
        all.push_back('\x1e');
      }
      sqlite3_finalize(st);
    }
    return core::hex_encode(crypto::sha256(all));
  }

  std::vector<std::string> columns() override {
    std::vector<std::string> out;
    for (const char* schema : {"main", "k"}) {
      sqlite3_stmt* st = nullptr;
      const std::string sql = std::string("SELECT m.name, p.name FROM ") + schema +
                              ".sqlite_master m, pragma_table_info(m.name, '" + schema +
                              "') p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2";
      if (sqlite3_prepare_v2(raw(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(raw()));
      }
      while (sqlite3_step(st) == SQLITE_ROW) {
        out.push_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + "." +
                      reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
      }
      sqlite3_finalize(st);
    }
    return out;
  }

  bool rows_contain(std::string_view needle) override { return storage_contains(needle); }

  void backup(const std::string& name) override {
    close_raw();
    const auto to = dir_ / ("backup-" + name);
    std::filesystem::create_directories(to);
    for (const auto& f : files()) std::filesystem::copy_file(f, to / f.filename());
  }

  void restore(const std::string& name) override {
    close_raw();
    for (const auto& f : files()) std::filesystem::remove(f);
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / ("backup-" + name))) {
      std::filesystem::copy_file(entry.path(), dir_ / entry.path().filename());
    }
  }

  const sqlite::options& options() const { return opts_; }
  sqlite::options& options() { return opts_; }
  const std::filesystem::path& dir() const { return dir_; }
  /// Closes the raw connection (before files are copied or the process is limited).
  void close_raw() {
    if (raw_) sqlite3_close_v2(raw_);
    raw_ = nullptr;
  }

 private:
  sqlite3* raw() {
    if (!raw_) {
      if (sqlite3_open(opts_.path.c_str(), &raw_) != SQLITE_OK) throw std::runtime_error("raw open");
      sqlite3_busy_timeout(raw_, 5000);
      exec("ATTACH DATABASE '" + opts_.keys_path + "' AS k");
    }
    return raw_;
  }

  std::filesystem::path dir_;
  sqlite::options opts_;
  sqlite3* raw_ = nullptr;
};

}  // namespace parley::store::sqlite::testing
