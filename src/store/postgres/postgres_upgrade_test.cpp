// A PostgreSQL store of the release before erasure subjects upgrades: the rows that release
// wrote (testing/fixtures/before-subjects, sealed records are the same on both backends) are
// loaded into a database at schema version 1 (as that release created it), then this build opens
// it: everything reads, the old clear columns are dropped and no row version keeps their values.
#include "pg_test_env.hpp"

#include <parley/crypto/erasure_secrets.hpp>
#include <parley/store/encrypted_store.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace parley::store::postgres {
namespace {

using store::testing::run;
namespace fs = std::filesystem;

const fs::path fixture = fs::path(PARLEY_STORE_FIXTURES) / "before-subjects";

time_point at(int s) {
  return time_point{} + std::chrono::seconds(1'800'000'000 + s) + std::chrono::nanoseconds(123);
}

// Copies every row of `table` from the SQLite file into the same table of PostgreSQL. Every
// parameter goes as bytes (libpqxx sends binarystring in binary format): blobs as bytea, text and
// integers converted from their UTF-8 text on the server.
void copy_table(sqlite3* from, pqxx::connection& to, const std::string& table) {
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(from, ("SELECT * FROM " + table).c_str(), -1, &st, nullptr), SQLITE_OK) << table;
  const int n = sqlite3_column_count(st);
  std::string columns;
  for (int c = 0; c < n; ++c) columns += (c ? ", " : "") + std::string(sqlite3_column_name(st, c));
  const std::string overriding = table == "conversations" ? " OVERRIDING SYSTEM VALUE" : "";
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<pqxx::binarystring> params;
    params.reserve(static_cast<std::size_t>(n));
    std::string sql = "INSERT INTO " + table + " (" + columns + ")" + overriding + " VALUES (";
    for (int c = 0; c < n; ++c) {
      const auto p = "$" + std::to_string(c + 1) + "::bytea";
      sql += c ? ", " : "";
      switch (sqlite3_column_type(st, c)) {
        case SQLITE_INTEGER: {
          const auto v = std::to_string(sqlite3_column_int64(st, c));
          params.emplace_back(reinterpret_cast<const unsigned char*>(v.data()), v.size());
          sql += "convert_from(" + p + ", 'UTF8')::bigint";
          break;
        }
        case SQLITE_BLOB: {
          const auto* b = static_cast<const unsigned char*>(sqlite3_column_blob(st, c));
          static const unsigned char empty = 0;
          params.emplace_back(b ? b : &empty, static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
          sql += p;
          break;
        }
        default: {
          const auto* t = sqlite3_column_text(st, c);
          params.emplace_back(t, static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
          sql += "convert_from(" + p + ", 'UTF8')";
        }
      }
    }
    sql += ")";
    pqxx::nontransaction tx(to);
    tx.exec_params0(sql, pqxx::prepare::make_dynamic_params(params));
  }
  sqlite3_finalize(st);
}

TEST(PostgresUpgrade, AStoreOfTheReleaseBeforeSubjectsUpgradesAndLosesNothing) {
  testing::postgres_env env;
  const auto dir = fs::temp_directory_path() / ("parley-pg-upgrade-" + core::random_id(core::os_random(), "", 6));
  fs::create_directories(dir);
  struct cleanup {
    fs::path d;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } remove_dir{dir};
  for (const char* f : {"parley.db", "parley-keys.db", "root.key", "erasure.secrets"}) {
    fs::copy_file(fixture / f, dir / f);
    fs::permissions(dir / f, fs::perms::owner_read | fs::perms::owner_write);
  }
  // Schema version 1, as the old release created it, then its rows.
  {
    auto b = env.open_backend();
    ASSERT_TRUE(b->migrate(1));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "parley.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, ("ATTACH DATABASE '" + (dir / "parley-keys.db").string() + "' AS k").c_str(), nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  pqxx::connection pg(env.server().dsn(env.database()) + " password=" + env.server().password() +
                      " options='-c search_path=parley_store'");
  for (const char* table : {"key_meta", "tenant_keys", "data_keys", "tenant_secrets", "data_meta", "tenants",
                            "conversations", "activities", "idempotency", "bot_state", "attachments"}) {
    copy_table(db, pg, table);
  }
  sqlite3_close(db);
  pqxx::nontransaction(pg).exec("SELECT setval('conversations_pk_seq', (SELECT max(pk) FROM conversations))");

  auto b = env.open_backend();
  auto opened = encrypted_store::open(std::move(b), *crypto::root_key::load_file(dir / "root.key", 1),
                                      dir / "erasure.secrets", store::options{});
  ASSERT_TRUE(opened) << opened.error().message();
  auto& s = **opened;
  EXPECT_EQ(s.report().upgraded_conversations, 4u);
  auto c1 = run(s.get_conversation("bankx", "c1"));
  ASSERT_TRUE(c1) << c1.error().message();
  EXPECT_EQ(c1->user_id, "dl_u1");
  EXPECT_EQ(c1->bot_id, "bankx-assistant");
  auto page = run(s.read_activities("bankx", "c1", 0, 10));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->activities.size(), 3u);
  EXPECT_EQ(page->activities[1].type, "event");
  EXPECT_EQ(page->activities[1].sender_role, "bot");
  EXPECT_EQ(page->activities[2].timestamp, at(3));
  EXPECT_EQ(page->activities[0].body, R"({"type":"message","text":"hello from c1"})");
  EXPECT_EQ((*run(s.get_bot_state("bankx", "c1")))->data, R"({"step":1})");
  const auto att = env.select_blobs("SELECT id::bytea FROM attachments");
  ASSERT_EQ(att.size(), 1u);
  auto file = run(s.get_attachment("bankx", "c1", std::string(att[0].begin(), att[0].end())));
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->name, "note.txt");
  EXPECT_EQ(run(s.read_activities("insurey", "d1", 0, 10))->activities.at(0).body, "hello from d1");
  EXPECT_EQ(run(s.get_conversation("bankx", "c4")).error(), errc::not_found);
  // The audit log's tables (schema 3, before this upgrade's 4 and 5) take entries; erasing a
  // user's conversations leaves them readable (the audit key is bound to no erasure subject).
  auto chain = [](const audit_link& l) -> result<audit_chained> {
    return audit_chained{bytes(32, static_cast<std::uint8_t>(l.seq)), std::nullopt};
  };
  ASSERT_TRUE(run(s.append_audit("bankx", R"({"event":"before erasure"})", chain)));
  EXPECT_EQ(*run(s.erase_user("bankx", "dl_u1")), 2u);
  ASSERT_TRUE(run(s.reclaim()));
  ASSERT_TRUE(run(s.append_audit("bankx", R"({"event":"after erasure"})", chain)));
  auto audit = run(s.read_audit("bankx", 0, 0, 10));
  ASSERT_TRUE(audit) << audit.error().message();
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ(audit->at(0).plaintext, std::optional<std::string>(R"({"event":"before erasure"})"));
  EXPECT_EQ(audit->at(1).plaintext, std::optional<std::string>(R"({"event":"after erasure"})"));
  for (const char* old_clear : {"bankx-assistant", "insurey-bot", "text/plain"}) {
    EXPECT_FALSE(env.rows_contain(old_clear)) << old_clear;
  }
  for (const char* gone : {"activities.ts", "conversations.bot_id", "attachments.content_type"}) {
    const auto cols = env.columns();
    EXPECT_EQ(std::find(cols.begin(), cols.end(), gone), cols.end()) << gone;
  }
}

}  // namespace
}  // namespace parley::store::postgres
