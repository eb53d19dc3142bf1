// The conformance suite of the encrypted store: the same tests run over every backend (SQLite in
// store/sqlite, PostgreSQL in store/postgres), each of which instantiates it with an environment
// that makes fresh databases and lets the tests look at and tamper with what is stored:
//
//   INSTANTIATE_TEST_SUITE_P(sqlite, store_suite, ::testing::Values(&make_sqlite_env));
//
// Thread-safety: test code, one test at a time.
#pragma once

#include <parley/core/testing/run.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/backend.hpp>
#include <parley/store/encrypted_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store::testing {

/// One backend's test environment: a fresh database per test, and raw access to it.
class backend_env {
 public:
  virtual ~backend_env() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  /// A backend over this test's database (the same database each call).
  [[nodiscard]] virtual std::unique_ptr<store::backend> open_backend() = 0;
  /// Runs SQL outside the store. `$1` is the one parameter of update_blob.
  virtual void exec(const std::string& sql) = 0;
  [[nodiscard]] virtual std::vector<bytes> select_blobs(const std::string& sql) = 0;
  virtual void update_blob(const std::string& sql, const bytes& value) = 0;
  /// True if `needle` occurs anywhere in the stored database (files, WAL, or a dump).
  [[nodiscard]] virtual bool storage_contains(std::string_view needle) = 0;
  /// A digest of every row of every table (to show that something changed nothing).
  [[nodiscard]] virtual std::string fingerprint() = 0;
  /// Every column of every table of the store's schema (key tables too), as "table.column".
  [[nodiscard]] virtual std::vector<std::string> columns() = 0;
  /// True if a row version the database still keeps (live, or dead and not yet vacuumed) holds
  /// `needle`; SQLite: anywhere in its files, write-ahead logs included.
  [[nodiscard]] virtual bool rows_contain(std::string_view needle) = 0;
  /// Keeps a copy of the database as an operator's backup would (the store must be closed):
  /// SQLite copies the files, PostgreSQL runs pg_dump.
  virtual void backup(const std::string& name) = 0;
  /// Puts a copy taken by backup() in place of the database (PostgreSQL: a new database loaded
  /// from the dump; open_backend() opens it from then on).
  virtual void restore(const std::string& name) = 0;
};

using env_factory = std::unique_ptr<backend_env> (*)();

using parley::core::testing::run;

/// Root key file, erasure secrets and a fresh database per test; opens stores over them.
class store_suite : public ::testing::TestWithParam<env_factory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Opens the store (closing any open one first) with the test's root key.
  void open_store(store::options opts = {});
  /// Opens with another root key; returns the error (or success) of encrypted_store::open.
  [[nodiscard]] result<std::unique_ptr<encrypted_store>> try_open(crypto::root_key root, store::options opts = {});
  void close_store() { store_.reset(); }
  [[nodiscard]] crypto::root_key root() const;
  [[nodiscard]] std::filesystem::path secrets_file() const { return dir_ / "erasure.secrets"; }

  /// ensure_tenant + create_conversation, asserting success.
  void make_conversation(const std::string& tenant, const std::string& id, const std::string& user = "dl_user");
  /// Appends a message with `body`; returns its seq (asserting success).
  std::uint64_t append(const std::string& tenant, const std::string& conv, const std::string& activity_id,
                       const std::string& body, std::optional<std::string> idempotency_key = std::nullopt);
  /// The store's (fake) clock, shared by every store the suite opens.
  static void advance_clock(std::chrono::milliseconds d);
  [[nodiscard]] static time_point clock_now();
  /// SQL fragment selecting a conversation's pk.
  [[nodiscard]] static std::string pk_of(const std::string& tenant, const std::string& conv);
  /// A conversation's erasure subject (read from the database).
  [[nodiscard]] std::uint64_t subject_of(const std::string& tenant, const std::string& conv);

  /// Integrity failures the store reported to its hook in this test.
  std::vector<integrity_failure> failures_;
  std::mutex failures_mutex_;

  std::unique_ptr<backend_env> env_;
  std::unique_ptr<encrypted_store> store_;
  std::filesystem::path dir_;
  std::filesystem::path root_file_;
};

}  // namespace parley::store::testing
