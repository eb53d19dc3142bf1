// The audit log on the real encrypted store: SQLite files and a real PostgreSQL server (started
// by this binary on a random port). One chain per tenant across threads, stores and reopenings;
// entries sealed on disk; append-only tables; the chain survives erasure and key rotation;
// tampering in the database is found.
#include <parley/audit/checkpoint.hpp>
#include <parley/audit/log.hpp>
#include <parley/audit/verify.hpp>
#include <parley/core/random.hpp>
#include <parley/core/testing/run.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>
#ifdef PARLEY_WITH_POSTGRES
#include <parley/store/postgres/postgres_backend.hpp>
#include <parley/store/postgres/testing/pg_server.hpp>
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

namespace parley::audit {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using parley::core::testing::run;

// A database for one test, and raw SQL on it (playing the attacker with database access).
class database {
 public:
  virtual ~database() = default;
  [[nodiscard]] virtual std::unique_ptr<store::backend> open() = 0;
  virtual void exec(const std::string& sql) = 0;
  /// Lifts the append-only triggers (an attacker with database access can).
  virtual void drop_triggers() = 0;
  /// True if `needle` occurs in the stored bytes.
  [[nodiscard]] virtual bool contains(std::string_view needle) = 0;
  /// Puts in place the files of a store written by the release before the audit log (and before
  /// erasure subjects: src/store/testing/fixtures/before-subjects); false where the backend
  /// cannot load them (PostgreSQL: store.postgres's upgrade test loads that release's rows).
  [[nodiscard]] virtual bool load_release_before_audit(const fs::path& fixture) = 0;
};

class sqlite_database final : public database {
 public:
  explicit sqlite_database(const fs::path& dir) {
    opts_.path = (dir / "store.db").string();
    opts_.keys_path = (dir / "store-keys.db").string();
    opts_.wal_autocheckpoint = 0;  // everything stays in the WAL, which contains() scans too
  }
  ~sqlite_database() override {
    if (raw_) sqlite3_close_v2(raw_);
  }
  std::unique_ptr<store::backend> open() override {
    auto b = store::sqlite::open(opts_);
    if (!b) throw std::runtime_error("sqlite open: " + b.error().message());
    return std::move(*b);
  }
  void exec(const std::string& sql) override {
    if (!raw_) {
      if (sqlite3_open(opts_.path.c_str(), &raw_) != SQLITE_OK) throw std::runtime_error("raw open");
      sqlite3_busy_timeout(raw_, 5000);
    }
    char* err = nullptr;
    if (sqlite3_exec(raw_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(msg);
    }
  }
  void drop_triggers() override {
    exec(
        "DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete; "
        "DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;");
  }
  bool load_release_before_audit(const fs::path& fixture) override {
    if (raw_) sqlite3_close_v2(raw_);
    raw_ = nullptr;
    const auto copy = fs::copy_options::overwrite_existing;
    fs::copy_file(fixture / "parley.db", opts_.path, copy);
    fs::copy_file(fixture / "parley-keys.db", opts_.keys_path, copy);
    for (const auto& f : {opts_.path, opts_.keys_path}) {
      fs::permissions(f, fs::perms::owner_read | fs::perms::owner_write);
      std::error_code ignored;
      for (const char* suffix : {"-wal", "-shm"}) fs::remove(f + suffix, ignored);
    }
    return true;
  }
  bool contains(std::string_view needle) override {
    for (const auto& base : {opts_.path, opts_.keys_path}) {
      for (const char* suffix : {"", "-wal"}) {
        std::ifstream in(base + suffix, std::ios::binary);
        const std::string all{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (all.find(needle) != std::string::npos) return true;
      }
    }
    return false;
  }

 private:
  store::sqlite::options opts_;
  sqlite3* raw_ = nullptr;
};

#ifdef PARLEY_WITH_POSTGRES
store::postgres::testing::pg_server& server() {
  static std::unique_ptr<store::postgres::testing::pg_server> s = [] {
    store::postgres::testing::pg_server_options o;
    o.durable = false;
    return store::postgres::testing::pg_server::start(o);
  }();
  return *s;
}

class postgres_database final : public database {
 public:
  postgres_database() {
    name_ = "a_" + core::random_id(core::os_random(), "", 9);
    for (auto& c : name_)
      c = (std::isalnum(static_cast<unsigned char>(c)) != 0) ? static_cast<char>(std::tolower(c)) : 'x';
    server().create_database(name_);
  }
  std::unique_ptr<store::backend> open() override {
    store::postgres::options o;
    o.dsn = server().dsn(name_);
    o.password = std::make_shared<const core::secret_string>(server().password());
    auto b = store::postgres::open(o);
    if (!b) throw std::runtime_error("postgres open: " + b.error().message());
    return std::move(*b);
  }
  void exec(const std::string& sql) override { (void)server().psql(name_, "SET search_path = parley_store; " + sql); }
  void drop_triggers() override {
    exec("ALTER TABLE audit_entries DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;");
  }
  bool contains(std::string_view needle) override { return server().dump(name_).find(needle) != std::string::npos; }
  bool load_release_before_audit(const fs::path&) override { return false; }

 private:
  std::string name_;
};
#endif

using database_factory = std::unique_ptr<database> (*)(const fs::path& dir);

// Root key, erasure secrets, audit key file and a database per test; stores and logs over them.
class AuditStore : public ::testing::TestWithParam<database_factory> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parley-audit-store-" + std::to_string(::getpid()) + "-" + core::random_id(core::os_random(), "", 6));
    fs::create_directories(dir_);
    ASSERT_TRUE(crypto::root_key::create_file(dir_ / "root.key"));
    db_ = GetParam()(dir_);
    auto keys = jose::signing_key_store::open(checkpoint_key_options(dir_ / "audit-keys.json"),
                                              {checkpoint_key_purpose()}, wrapper_, core::system_clock());
    ASSERT_TRUE(keys);
    keys_ = std::move(*keys);
  }
  void TearDown() override {
    logs_.clear();
    stores_.clear();
    db_.reset();
    fs::remove_all(dir_);
  }

  store::encrypted_store& open_store(const fs::path& root_file = {}, std::uint32_t root_version = 1) {
    auto root = crypto::root_key::load_file(root_file.empty() ? dir_ / "root.key" : root_file, root_version);
    EXPECT_TRUE(root);
    store::options o;
    auto st = store::encrypted_store::open(db_->open(), std::move(*root), dir_ / "erasure.secrets", o);
    EXPECT_TRUE(st) << st.error().message();
    stores_.push_back(std::move(*st));
    options lo;
    lo.checkpoint_every = 10;
    logs_.push_back(std::make_unique<audit::log>(*stores_.back(), *keys_, lo));
    return *stores_.back();
  }
  audit::log& log(std::size_t i = 0) { return *logs_.at(i); }
  void close_all() {
    logs_.clear();
    stores_.clear();
  }
  void append_many(int n, std::size_t which = 0, const std::string& tenant = "bankx") {
    for (int i = 0; i < n; ++i) {
      auto r = run(log(which).append(entry{tenant, "desk.view", "c_" + std::to_string(i), "consultant",
                                           "conv-" + std::to_string(i), "203.0.113.7", R"({"n":1})"}));
      ASSERT_TRUE(r) << r.error().message();
    }
  }
  verify_report verify(const std::string& tenant = "bankx", std::size_t which = 0) {
    auto r = run(audit::verify(*stores_.at(which), **keys_->public_keys(checkpoint_purpose), tenant));
    EXPECT_TRUE(r) << r.error().message();
    return r ? std::move(*r) : verify_report{};
  }
  static std::string messages(const verify_report& r) {
    std::string out;
    for (const auto& f : r.findings) out += f.message + "\n";
    return out;
  }

  fs::path dir_;
  std::unique_ptr<database> db_;
  jose::testing::test_key_wrapper wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
  std::vector<std::unique_ptr<store::encrypted_store>> stores_;
  std::vector<std::unique_ptr<audit::log>> logs_;
};

TEST_P(AuditStore, TheChainContinuesAcrossReopeningAndIsSealedOnDisk) {
  open_store();
  ASSERT_TRUE(run(log().append(entry{"bankx", "desk.view", "c_marker_actor_81f3", "consultant", "conv-marker-77a1",
                                     "198.51.100.23", R"({"reason":"marker-detail-5d2e"})"})));
  append_many(24);
  close_all();
  open_store();
  append_many(15);
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.entries, 40U);
  EXPECT_EQ(r.checkpoints, 4U);  // #1 (no checkpoint before it) and every tenth after: 11, 21, 31
  EXPECT_EQ(r.covered_seq, 31U);
  close_all();
  for (const char* secret : {"c_marker_actor_81f3", "conv-marker-77a1", "198.51.100.23", "marker-detail-5d2e"}) {
    EXPECT_FALSE(db_->contains(secret)) << secret << " is readable in the database";
  }
}

TEST_P(AuditStore, TheTablesAreAppendOnly) {
  open_store();
  append_many(3);
  EXPECT_ANY_THROW(db_->exec("UPDATE audit_entries SET ts = ts + 1 WHERE seq = 2"));
  EXPECT_ANY_THROW(db_->exec("DELETE FROM audit_entries WHERE seq = 3"));
  EXPECT_ANY_THROW(db_->exec("DELETE FROM audit_checkpoints"));
  EXPECT_TRUE(verify().ok());
}

TEST_P(AuditStore, FindsEntriesChangedInTheDatabase) {
  open_store();
  append_many(25);
  db_->drop_triggers();
  db_->exec("UPDATE audit_entries SET ts = ts + 1 WHERE tenant_id = 'bankx' AND seq = 4");
  db_->exec("DELETE FROM audit_entries WHERE tenant_id = 'bankx' AND seq = 9");
  db_->exec("DELETE FROM audit_entries WHERE tenant_id = 'bankx' AND seq > 22");
  const auto r = verify();
  EXPECT_EQ(r.findings.size(), 3U) << messages(r);
  const auto text = messages(r);
  EXPECT_NE(text.find("entry #4 was modified"), std::string::npos) << text;
  EXPECT_NE(text.find("entry #9 was removed"), std::string::npos) << text;
  EXPECT_NE(text.find("entries #23..#25 were removed from the end"), std::string::npos) << text;
}

TEST_P(AuditStore, ThreadsAndStoresAppendingAtOnceFormOneChain) {
  constexpr int stores = 3, threads = 3, each = 30;
  for (int s = 0; s < stores; ++s) open_store();
  std::vector<std::thread> pool;
  for (int s = 0; s < stores; ++s) {
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, s, t] {
        for (int i = 0; i < each; ++i) {
          const auto tenant = i % 3 == 0 ? "insurey" : "bankx";
          auto r = run(log(s).append(entry{tenant, "desk.view", "c_" + std::to_string(s * 100 + t), "consultant",
                                           "conv-" + std::to_string(i), "", ""}));
          EXPECT_TRUE(r) << r.error().message();
        }
      });
    }
  }
  for (auto& th : pool) th.join();
  const auto bankx = verify("bankx");
  const auto insurey = verify("insurey");
  EXPECT_TRUE(bankx.ok()) << messages(bankx);
  EXPECT_TRUE(insurey.ok()) << messages(insurey);
  EXPECT_EQ(bankx.entries + insurey.entries, static_cast<std::uint64_t>(stores * threads * each));
  EXPECT_EQ(bankx.last_seq, bankx.entries);
  EXPECT_EQ(insurey.last_seq, insurey.entries);
}

TEST_P(AuditStore, TheLogOutlivesErasureAndKeyRotation) {
  auto& st = open_store();
  ASSERT_TRUE(run(st.ensure_tenant("bankx")));
  ASSERT_TRUE(run(st.create_conversation("bankx", "c1", "bot", "dl_u1")));
  append_many(5);
  ASSERT_TRUE(run(st.erase_conversation("bankx", "c1")));  // erases c1's subject (ADR 0018)
  ASSERT_TRUE(run(st.rotate_tenant_key("bankx")));
  append_many(5);
  ASSERT_TRUE(crypto::root_key::create_file(dir_ / "root2.key"));
  auto next = crypto::root_key::load_file(dir_ / "root2.key", 2);
  ASSERT_TRUE(next);
  ASSERT_TRUE(run(st.rotate_root_key(std::move(*next))));
  close_all();
  open_store(dir_ / "root2.key", 2);
  append_many(5);
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.entries, 15U);
}

TEST_P(AuditStore, AFailedChainFunctionStoresNothingAndUsesNoNumber) {
  auto& st = open_store();
  append_many(2);
  auto failing = [](const store::audit_link&) -> result<store::audit_chained> {
    return make_error_code(errc::unavailable);
  };
  EXPECT_EQ(run(st.append_audit("bankx", R"({"x":1})", failing)).error(), errc::unavailable);
  EXPECT_EQ(run(log().append(entry{"bankx", "desk.view", "c_1", "", "", "", ""})).value(), 3U);
  EXPECT_TRUE(verify().ok());
  EXPECT_EQ(run(st.read_audit("bankx", 0, 0, 10)).value().size(), 3U);
  EXPECT_EQ(run(st.append_audit("not a tenant id", "x", failing)).error(), store::errc::invalid_argument);
}

TEST_P(AuditStore, ReadsFromATime) {
  auto& st = open_store();
  append_many(3);
  const auto head = run(st.audit_status("bankx")).value().head;
  ASSERT_TRUE(head);
  append_many(2);
  auto later = run(st.read_audit("bankx", 0, head->time + 1, 100));
  ASSERT_TRUE(later);
  ASSERT_FALSE(later->empty());
  EXPECT_GE(later->front().row.seq, 4U);
  EXPECT_TRUE(later->front().plaintext);
  EXPECT_EQ(run(st.audit_tenants()).value(), std::vector<std::string>{"bankx"});
}

TEST_P(AuditStore, AStoreFromBeforeTheAuditLogIsMigratedAndKeepsItsData) {
  // The release before the audit log wrote these files (schema 2; its README lists the contents).
  const fs::path fixture = fs::path(PARLEY_STORE_FIXTURES) / "before-subjects";
  if (!db_->load_release_before_audit(fixture)) GTEST_SKIP() << "loaded by store.postgres's upgrade test";
  fs::copy_file(fixture / "root.key", dir_ / "fixture-root.key");
  fs::copy_file(fixture / "erasure.secrets", dir_ / "erasure.secrets", fs::copy_options::overwrite_existing);
  fs::permissions(dir_ / "fixture-root.key", fs::perms::owner_read | fs::perms::owner_write);
  fs::permissions(dir_ / "erasure.secrets", fs::perms::owner_read | fs::perms::owner_write);
  auto& st = open_store(dir_ / "fixture-root.key");  // migrate_on_open, then the row upgrade
  append_many(3);
  EXPECT_TRUE(verify().ok());
  auto page = run(st.read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 3U);
  for (const auto& a : page->activities) EXPECT_FALSE(a.corrupt);
  // Scoped erasure leaves the log alone: every entry still opens and the chain verifies.
  ASSERT_TRUE(run(st.erase_conversation("bankx", "c1")));
  append_many(2);
  const auto r = verify();
  EXPECT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.entries, 5U);
  auto entries = run(st.read_audit("bankx", 0, 0, 10));
  ASSERT_TRUE(entries);
  for (const auto& e : *entries) EXPECT_TRUE(e.plaintext) << e.row.seq;
}

std::unique_ptr<database> make_sqlite(const fs::path& dir) {
  return std::make_unique<sqlite_database>(dir);
}
INSTANTIATE_TEST_SUITE_P(sqlite, AuditStore, ::testing::Values(&make_sqlite),
                         [](const auto&) { return std::string("sqlite"); });
#ifdef PARLEY_WITH_POSTGRES
std::unique_ptr<database> make_postgres(const fs::path&) {
  return std::make_unique<postgres_database>();
}
INSTANTIATE_TEST_SUITE_P(postgres, AuditStore, ::testing::Values(&make_postgres),
                         [](const auto&) { return std::string("postgres"); });
#endif

}  // namespace
}  // namespace parley::audit
