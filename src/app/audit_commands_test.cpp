// Black-box test of `parley audit verify|export` on a real store file (SQLite) and a real
// PostgreSQL server: the log is written through the same wiring the services use, changed in the
// database as an attacker with database access would (edit, delete, swap, truncate), and the real
// binary must name exactly what happened and exit 1.
#include "audit_wiring.hpp"
#include "store_wiring.hpp"

#include <parley/core/random.hpp>
#ifdef PARLEY_WITH_POSTGRES
#include <parley/store/postgres/testing/pg_server.hpp>
#endif

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct outcome {
  int status = -1;
  std::string output;  // stdout and stderr
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
#endif

enum class backend { sqlite, postgres };

class AuditCommands : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parley-audit-cli-" + std::to_string(::getpid()) + "-" + core::random_id(core::os_random(), "", 6));
    fs::create_directories(dir_ / "data");
    ASSERT_TRUE(crypto::root_key::create_file(dir_ / "data" / "root.key"));
    std::string toml =
        "[crypto]\nroot_key_file = \"data/root.key\"\nerasure_secrets_file = \"data/erasure.secrets\"\n"
        "[audit]\nkey_file = \"data/audit-keys.json\"\ncheckpoint_every = 5\n";
    if (GetParam() == backend::sqlite) {
      toml +=
          "[store]\nbackend = \"sqlite\"\n[store.sqlite]\npath = \"data/parley.db\"\nkeys_path = "
          "\"data/parley-keys.db\"\n";
    } else {
#ifdef PARLEY_WITH_POSTGRES
      database_ = "c_" + core::random_id(core::os_random(), "", 9);
      for (auto& c : database_)
        c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : 'x';
      server().create_database(database_);
      {
        std::ofstream pw(dir_ / "data" / "db.password");
        pw << server().password();
      }
      ::chmod((dir_ / "data" / "db.password").c_str(), 0600);
      toml += "[store]\nbackend = \"postgres\"\n[store.postgres]\ndsn = \"" + server().dsn(database_) +
              "\"\npassword = { file = \"data/db.password\" }\n";
#else
      GTEST_SKIP() << "built without PostgreSQL";
#endif
    }
    config_ = dir_ / "parley.toml";
    std::ofstream(config_) << toml;
  }
  void TearDown() override {
    if (raw_) sqlite3_close_v2(raw_);
    fs::remove_all(dir_);
  }

  // Appends `n` entries through the services' wiring (store, key file, log), then closes it all.
  void populate(int n) {
    auto s = load_settings(config_.string());
    ASSERT_TRUE(s);
    std::shared_ptr<store::encrypted_store> st = open_store(*s, true);
    ASSERT_TRUE(st);
    auto rt = audit_runtime::create(make_audit_plan(*s, st));
    ASSERT_TRUE(rt);
    for (int i = 1; i <= n; ++i) {
      auto r = run_sync(rt->log().append(audit::entry{"bankx", "desk.view", "c_" + std::to_string(i), "consultant",
                                                      "conv-" + std::to_string(i), "203.0.113.7", ""}));
      ASSERT_TRUE(r) << r.error().message();
    }
  }

  outcome parley(const std::string& args) {
    const auto out_file = dir_ / "out.txt";
    const std::string cmd =
        std::string(PARLEY_BINARY) + " " + args + " --config " + config_.string() + " >" + out_file.string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    outcome o;
    o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    o.output = read_text(out_file);
    return o;
  }
  outcome verify(const std::string& extra = "") {
    return parley("audit verify --tenant bankx " + extra);
  }

  // SQL on the database behind the store's back, with the append-only triggers lifted.
  void tamper(const std::string& sql) {
    if (GetParam() == backend::sqlite) {
      if (!raw_) {
        ASSERT_EQ(sqlite3_open((dir_ / "data" / "parley.db").c_str(), &raw_), SQLITE_OK);
        sqlite3_busy_timeout(raw_, 5000);
        exec_sqlite(
            "DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete; "
            "DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;");
      }
      exec_sqlite(sql);
    } else {
#ifdef PARLEY_WITH_POSTGRES
      (void)server().psql(database_,
                          "SET search_path = parley_store; "
                          "ALTER TABLE audit_entries DISABLE TRIGGER USER; "
                          "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; " +
                              sql);
#endif
    }
  }
  void exec_sqlite(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(raw_, sql.c_str(), nullptr, nullptr, &err);
    ASSERT_EQ(rc, SQLITE_OK) << (err ? err : "?");
  }
  // Sets an entry's sealed bytes to zeros, keeping their length.
  [[nodiscard]] std::string zero_sealed(int seq) const {
    const auto where = " WHERE tenant_id = 'bankx' AND seq = " + std::to_string(seq);
    if (GetParam() == backend::sqlite) return "UPDATE audit_entries SET sealed = zeroblob(length(sealed))" + where;
    return "UPDATE audit_entries SET sealed = decode(repeat('00', length(sealed)), 'hex')" + where;
  }

  fs::path dir_;
  fs::path config_;
  std::string database_;
  sqlite3* raw_ = nullptr;
};

constexpr std::string_view failed_exit = "FAILED verification";

TEST_P(AuditCommands, AnIntactLogVerifies) {
  populate(30);
  const auto o = verify();
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("30 entries (#1..#30)"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("OK: the audit log of tenant bankx verified"), std::string::npos) << o.output;
}

TEST_P(AuditCommands, NamesAnEditedEntry) {
  populate(30);
  tamper(zero_sealed(7));
  const auto o = verify();
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED: entry #7 was modified"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find(failed_exit), std::string::npos) << o.output;
}

TEST_P(AuditCommands, NamesADeletedEntry) {
  populate(30);
  tamper("DELETE FROM audit_entries WHERE tenant_id = 'bankx' AND seq = 12");
  const auto o = verify();
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED: entry #12 was removed"), std::string::npos) << o.output;
}

TEST_P(AuditCommands, NamesTwoSwappedEntries) {
  populate(30);
  tamper(
      "UPDATE audit_entries SET seq = -1 WHERE tenant_id = 'bankx' AND seq = 17; "
      "UPDATE audit_entries SET seq = 17 WHERE tenant_id = 'bankx' AND seq = 18; "
      "UPDATE audit_entries SET seq = 18 WHERE tenant_id = 'bankx' AND seq = -1;");
  const auto o = verify();
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED: entries #17 and #18 are out of order"), std::string::npos) << o.output;
}

TEST_P(AuditCommands, NamesATruncatedTail) {
  populate(30);
  tamper("DELETE FROM audit_entries WHERE tenant_id = 'bankx' AND seq > 26");
  const auto o = verify();
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED: entries #27..#30 were removed from the end"), std::string::npos) << o.output;
}

TEST_P(AuditCommands, ExportsJsonLinesAndRecordsTheExport) {
  populate(12);
  const auto file = dir_ / "export.jsonl";
  auto o = parley("audit export --tenant bankx --output " + file.string());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("exported 13 entries (#1..#13) of tenant bankx"), std::string::npos) << o.output;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  std::istringstream lines(read_text(file));
  std::vector<std::string> all;
  for (std::string l; std::getline(lines, l);) all.push_back(l);
  ASSERT_EQ(all.size(), 13U);
  EXPECT_NE(all[0].find(R"("seq":1,)"), std::string::npos) << all[0];
  EXPECT_NE(all[0].find(R"("event":"desk.view","actor":"c_1","role":"consultant","subject":"conv-1")"),
            std::string::npos)
      << all[0];
  EXPECT_NE(all[12].find(R"("event":"audit.export")"), std::string::npos) << all[12];
  EXPECT_NE(all[12].find(R"("role":"operator")"), std::string::npos) << all[12];
  // An existing file is never overwritten; --since filters.
  EXPECT_EQ(parley("audit export --tenant bankx --output " + file.string()).status, 1);
  o = parley("audit export --tenant bankx --since 2200-01-01");
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_EQ(o.output.find("\"seq\""), std::string::npos) << o.output;
  EXPECT_EQ(parley("audit export --tenant bankx --since yesterday").status, 2);
  EXPECT_EQ(verify().status, 0) << "the exports' own entries are part of an intact chain";
}

TEST_P(AuditCommands, AnExpectedHashFromOutsideRevealsATailRemovedWithItsCheckpoints) {
  populate(20);
  // What a SIEM kept: the seq and hash of the last line it received.
  const auto file = dir_ / "export.jsonl";
  ASSERT_EQ(parley("audit export --tenant bankx --output " + file.string()).status, 0);
  std::istringstream lines(read_text(file));
  std::string last;
  for (std::string l; std::getline(lines, l);) last = l;
  const auto hash_at = last.find(R"("hash":")") + 8;
  const auto anchor = "21:" + last.substr(hash_at, 64);
  EXPECT_EQ(verify("--expect " + anchor).status, 0);
  // Entries, checkpoints and the head's record of them removed: consistent inside the database.
  tamper(
      "DELETE FROM audit_entries WHERE tenant_id = 'bankx' AND seq > 15; "
      "DELETE FROM audit_checkpoints WHERE tenant_id = 'bankx' AND seq > 15; "
      "UPDATE audit_heads SET seq = 15, hash = (SELECT hash FROM audit_entries WHERE tenant_id = 'bankx' AND seq = "
      "15), checkpoint_seq = (SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = 'bankx') "
      "WHERE tenant_id = 'bankx';");
  EXPECT_EQ(verify().status, 0) << "undetectable from the database alone (docs/audit.md)";
  const auto o = verify("--expect " + anchor);
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED: entries #16..#21 were removed from the end (--expect names #21)"), std::string::npos)
      << o.output;
}

TEST_P(AuditCommands, TheLogVerifiesAfterARootKeyRotation) {
  populate(12);
  // The checkpoint keys are wrapped by the root key: rotate-root re-wraps their file too.
  auto o = parley("keys rotate-root --new-root-key-file " + (dir_ / "data" / "root2.key").string());
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "data" / "audit-keys.json.rotating"));
  auto toml = read_text(config_);
  toml.replace(toml.find("data/root.key"), 13, "data/root2.key\"\nroot_key_version = 2\n#\"");
  std::ofstream(config_) << toml;
  o = verify();
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("OK: the audit log of tenant bankx verified"), std::string::npos) << o.output;
  populate(3);  // and the log goes on (the services open the key file with the new root key)
  EXPECT_EQ(verify().status, 0);
}

TEST_P(AuditCommands, RefusesBadArgumentsClearly) {
  populate(2);
  auto o = verify("--expect 3:xyz");
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_NE(o.output.find("--expect wants SEQ:HASH"), std::string::npos) << o.output;
  o = parley("audit verify --tenant nobody");
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("tenant nobody has no audit log"), std::string::npos) << o.output;
}

INSTANTIATE_TEST_SUITE_P(sqlite, AuditCommands, ::testing::Values(backend::sqlite),
                         [](const auto&) { return std::string("sqlite"); });
#ifdef PARLEY_WITH_POSTGRES
INSTANTIATE_TEST_SUITE_P(postgres, AuditCommands, ::testing::Values(backend::postgres),
                         [](const auto&) { return std::string("postgres"); });
#endif

}  // namespace
}  // namespace parley::app
