// A store written by the release before erasure subjects (schema version 2, erasure-secrets file
// format 1: testing/fixtures/before-subjects, written by that release's code) opens with this
// build: every row is upgraded (subjects, sealed metadata, padding), nothing is lost, the old
// clear columns are gone from the files, and copies from before the upgrade stop opening with
// today's erasure secrets (the one tenant-key rotation of the upgrade). Also from schema version 1.
#include "sqlite_test_env.hpp"

#include <parley/crypto/erasure_secrets.hpp>
#include <parley/store/encrypted_store.hpp>

#include <gtest/gtest.h>

namespace parley::store::sqlite {
namespace {

using store::testing::run;
namespace fs = std::filesystem;

const fs::path fixture = fs::path(PARLEY_STORE_FIXTURES) / "before-subjects";

time_point at(int s) {
  return time_point{} + std::chrono::seconds(1'800'000'000 + s) + std::chrono::nanoseconds(123);
}

class SqliteUpgrade : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.options().path = (env_.dir() / "parley.db").string();
    env_.options().keys_path = (env_.dir() / "parley-keys.db").string();
    for (const char* f : {"parley.db", "parley-keys.db", "root.key", "erasure.secrets"}) {
      fs::copy_file(fixture / f, env_.dir() / f);
      fs::permissions(env_.dir() / f, fs::perms::owner_read | fs::perms::owner_write);
    }
    fs::create_directories(env_.dir() / "before");
    for (const char* f : {"parley.db", "parley-keys.db", "erasure.secrets"}) {
      fs::copy_file(env_.dir() / f, env_.dir() / "before" / f);
    }
  }

  result<std::unique_ptr<encrypted_store>> open(const fs::path& dir, const fs::path& secrets) {
    auto o = env_.options();
    o.path = (dir / "parley.db").string();
    o.keys_path = (dir / "parley-keys.db").string();
    auto b = sqlite::open(o);
    if (!b) return b.error();
    return encrypted_store::open(std::move(*b), *crypto::root_key::load_file(env_.dir() / "root.key", 1), secrets,
                                 store::options{});
  }

  void expect_everything_upgraded() {
    auto opened = open(env_.dir(), env_.dir() / "erasure.secrets");
    ASSERT_TRUE(opened) << opened.error().message();
    auto& s = **opened;
    EXPECT_EQ(s.report().upgraded_conversations, 4u);
    auto c1 = run(s.get_conversation("bankx", "c1"));
    ASSERT_TRUE(c1) << c1.error().message();
    EXPECT_EQ(c1->user_id, "dl_u1");
    EXPECT_EQ(c1->bot_id, "bankx-assistant");
    EXPECT_GT(c1->created, time_point{});
    auto page = run(s.read_activities("bankx", "c1", 0, 10));
    ASSERT_TRUE(page);
    ASSERT_EQ(page->activities.size(), 3u);
    const std::vector<std::tuple<std::string, std::string, std::string>> expected{
        {"message", "user", R"({"type":"message","text":"hello from c1"})"},
        {"event", "bot", R"({"type":"event","name":"x"})"},
        {"message", "bot", R"({"type":"message","text":"reply"})"}};
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& a = page->activities[i];
      EXPECT_FALSE(a.corrupt);
      EXPECT_EQ(a.activity_id, "a" + std::to_string(i + 1));
      EXPECT_EQ(a.type, std::get<0>(expected[i]));
      EXPECT_EQ(a.sender_role, std::get<1>(expected[i]));
      EXPECT_EQ(a.body, std::get<2>(expected[i]));
      EXPECT_EQ(a.timestamp, at(static_cast<int>(i) + 1));
    }
    EXPECT_EQ((*run(s.get_bot_state("bankx", "c1")))->data, R"({"step":1})");
    const auto att = env_.select_blobs("SELECT id FROM attachments");
    ASSERT_EQ(att.size(), 1u);
    auto file = run(s.get_attachment("bankx", "c1", std::string(att[0].begin(), att[0].end())));
    ASSERT_TRUE(file) << file.error().message();
    EXPECT_EQ(file->name, "note.txt");
    EXPECT_EQ(file->content_type, "text/plain");
    EXPECT_EQ(file->bytes, "file bytes");
    // The idempotency key of the old release still recognises its retry.
    new_activity retry{"a1-retry", at(9), "message", "user", "{}", std::string("k1")};
    auto dup = run(s.append_activity("bankx", "c1", retry));
    ASSERT_TRUE(dup);
    EXPECT_TRUE(dup->duplicate);
    EXPECT_EQ(dup->seq, 1u);
    for (const auto& [tenant, conv, text] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"bankx", "c2", "hello from c2"}, {"bankx", "c3", "hello from c3"}, {"insurey", "d1", "hello from d1"}}) {
      EXPECT_EQ(run(s.read_activities(tenant, conv, 0, 10))->activities.at(0).body, text) << conv;
    }
    EXPECT_EQ(run(s.get_conversation("insurey", "d1"))->bot_id, "insurey-bot");
    EXPECT_EQ(run(s.get_conversation("bankx", "c4")).error(), errc::not_found);
    // New conversations and erasures work on upgraded rows: the pseudonyms were re-keyed.
    ASSERT_TRUE(run(s.create_conversation("bankx", "c5", "bankx-assistant", "dl_u1")));
    EXPECT_EQ(*run(s.erase_user("bankx", "dl_u1")), 3u);
    EXPECT_TRUE(run(s.get_conversation("bankx", "c3")));
    opened->reset();
    // What the old release kept in clear is gone from the files, log included.
    for (const char* old_clear : {"bankx-assistant", "insurey-bot", "text/plain"}) {
      EXPECT_FALSE(env_.storage_contains(old_clear)) << old_clear;
    }
    auto secrets = crypto::erasure_secrets::load_file(env_.dir() / "erasure.secrets");
    ASSERT_TRUE(secrets);
    EXPECT_TRUE(secrets->installation());
    EXPECT_TRUE(secrets->has_subjects("bankx"));
    EXPECT_TRUE(secrets->contains("bankx", 3));  // rotated once by the upgrade
    EXPECT_FALSE(secrets->contains("bankx", 2));
    EXPECT_TRUE(secrets->contains("insurey", 2));
    // Copies from before the upgrade hold unbound data keys: today's secrets no longer open them.
    auto before = open(env_.dir() / "before", env_.dir() / "erasure.secrets");
    ASSERT_FALSE(before);
    EXPECT_EQ(before.error(), errc::key_retired);
  }

  sqlite::testing::sqlite_env env_;
};

TEST_F(SqliteUpgrade, AStoreOfTheReleaseBeforeSubjectsUpgradesAndLosesNothing) {
  expect_everything_upgraded();
}

TEST_F(SqliteUpgrade, AStoreStillAtSchemaVersionOneUpgradesToo) {
  // Put the fixture back into the version 1 shape: activities WITHOUT ROWID, user_version 1.
  env_.exec(R"sql(
CREATE TABLE activities_v1 (conv_pk INTEGER NOT NULL, seq INTEGER NOT NULL, activity_id TEXT NOT NULL,
  ts INTEGER NOT NULL, type TEXT NOT NULL, sender_role TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (conv_pk, seq)) WITHOUT ROWID;
INSERT INTO activities_v1 SELECT conv_pk, seq, activity_id, ts, type, sender_role, body FROM activities;
DROP TABLE activities;
ALTER TABLE activities_v1 RENAME TO activities;
CREATE INDEX activities_by_id ON activities (conv_pk, activity_id, seq);
PRAGMA main.user_version = 1;
PRAGMA k.user_version = 1;
)sql");
  env_.close_raw();
  expect_everything_upgraded();
  auto sql = env_.select_blobs("SELECT CAST(sql AS BLOB) FROM sqlite_schema WHERE name = 'activities'");
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(std::string(sql[0].begin(), sql[0].end()).find("WITHOUT ROWID"), std::string::npos);
}

TEST_F(SqliteUpgrade, WithoutMigrateOnOpenAnOldStoreIsRefusedUntouched) {
  auto o = env_.options();
  auto b = sqlite::open(o);
  ASSERT_TRUE(b);
  store::options opts;
  opts.migrate_on_open = false;
  auto s = encrypted_store::open(std::move(*b), *crypto::root_key::load_file(env_.dir() / "root.key", 1),
                                 env_.dir() / "erasure.secrets", opts);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::invalid_argument);
  EXPECT_EQ(sqlite::testing::read_whole_file(env_.dir() / "erasure.secrets"),
            sqlite::testing::read_whole_file(env_.dir() / "before" / "erasure.secrets"));
}

}  // namespace
}  // namespace parley::store::sqlite
