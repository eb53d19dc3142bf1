// Private to the PostgreSQL tests: one real server per test process (pg_server.hpp), a fresh
// database per test, and raw access to it for the suite's tampering and scanning.
#pragma once

#include <parley/core/base64.hpp>
#include <parley/core/random.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/store/postgres/postgres_backend.hpp>
#include <parley/store/postgres/testing/pg_server.hpp>
#include <parley/store/testing/store_suite.hpp>

#include <pqxx/pqxx>

#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace parley::store::postgres::testing {

/// The process's server, started on first use and stopped at exit.
inline pg_server& shared_server() {
  static std::unique_ptr<pg_server> server = [] {
    pg_server_options o;
    o.durable = false;  // tests check behaviour, not durability (that is SQLite's kill -9 test)
    return pg_server::start(o);
  }();
  return *server;
}

inline postgres::options backend_options(const pg_server& server, const std::string& database) {
  postgres::options o;
  o.dsn = server.dsn(database);
  o.password = std::make_shared<const core::secret_string>(server.password());
  o.statement_timeout = std::chrono::seconds(30);
  return o;
}

class postgres_env final : public store::testing::backend_env {
 public:
  postgres_env() : server_(shared_server()) {
    database_ = "t_" + core::hex_encode(crypto::sha256(core::random_id(core::os_random(), "", 12))).substr(0, 16);
    server_.create_database(database_);
  }

  std::string name() const override { return "postgres"; }
  const std::string& database() const { return database_; }
  pg_server& server() { return server_; }

  std::unique_ptr<store::backend> open_backend() override {
    auto b = postgres::open(backend_options(server_, database_));
    if (!b) throw std::runtime_error("postgres open: " + b.error().message());
    return std::move(*b);
  }

  void exec(const std::string& sql) override {
    pqxx::nontransaction tx(raw());
    tx.exec(sql);
  }

  std::vector<bytes> select_blobs(const std::string& sql) override {
    pqxx::nontransaction tx(raw());
    std::vector<bytes> out;
    for (const auto& row : tx.exec(sql)) {
      pqxx::binarystring b(row[0]);
      out.emplace_back(b.data(), b.data() + b.size());
    }
    return out;
  }

  void update_blob(const std::string& sql, const bytes& value) override {
    pqxx::nontransaction tx(raw());
    tx.exec_params(sql, pqxx::binarystring(value.data(), value.size()));
  }

  /// A pg_dump of the database (text, and bytea as hex: both are searched), and the server's data
  /// directory itself after a checkpoint: table files and WAL.
  bool storage_contains(std::string_view needle) override {
    const auto dump = server_.dump(database_);
    const std::string hex = core::hex_encode(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(needle.data()), needle.size()));
    if (dump.find(needle) != std::string::npos || dump.find(hex) != std::string::npos) return true;
    server_.psql(database_, "CHECKPOINT");
    for (const auto& entry : std::filesystem::recursive_directory_iterator(server_.dir() / "data")) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (content.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<std::string> columns() override {
    pqxx::nontransaction tx(raw());
    std::vector<std::string> out;
    for (const auto& row :
         tx.exec("SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = "
                 "'parley_store' ORDER BY 1")) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  }

  /// Every row version still in the store's tables (pageinspect): live ones, and dead ones that
  /// VACUUM has not pruned yet. Bytes left in a page's free space after pruning are not rows.
  bool rows_contain(std::string_view needle) override {
    server_.psql(database_, "CREATE EXTENSION IF NOT EXISTS pageinspect");
    const std::string hex = core::hex_encode(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(needle.data()), needle.size()));
    const auto n =
        server_.psql(database_,
                     "SELECT count(*) FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace "
                     "CROSS JOIN LATERAL generate_series(0, (pg_relation_size(c.oid) / 8192)::int - 1) AS b "
                     "CROSS JOIN LATERAL heap_page_items(get_raw_page(ns.nspname || '.' || c.relname, b)) AS i "
                     "WHERE ns.nspname = 'parley_store' AND c.relkind = 'r' AND i.lp_flags = 1 AND "
                     "position(decode('" +
                         hex + "', 'hex') in i.t_data) > 0");
    return std::stoi(n) > 0;
  }

  void backup(const std::string& name) override { backups_[name] = server_.dump(database_); }

  void restore(const std::string& name) override {
    raw_.reset();
    database_ = "t_" + core::hex_encode(crypto::sha256(core::random_id(core::os_random(), "", 12))).substr(0, 16);
    server_.create_database(database_);
    server_.load(database_, backups_.at(name));
  }

  std::string fingerprint() override {
    // pg_dump (15.14 and later) writes a random \restrict key into every dump: leave it out.
    std::string stable;
    std::istringstream lines(server_.dump(database_));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) continue;
      stable += line;
      stable.push_back('\n');
    }
    return core::hex_encode(crypto::sha256(stable));
  }

 private:
  pqxx::connection& raw() {
    if (!raw_) {
      raw_ = std::make_unique<pqxx::connection>(server_.dsn(database_) + " password=" + server_.password() +
                                                " options='-c search_path=parley_store'");
    }
    return *raw_;
  }

  pg_server& server_;
  std::string database_;
  std::unique_ptr<pqxx::connection> raw_;
  std::map<std::string, std::string> backups_;
};

}  // namespace parley::store::postgres::testing
