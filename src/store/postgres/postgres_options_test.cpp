// [store.postgres] options and the dsn rules (no server needed).
#include <parley/store/postgres/postgres_backend.hpp>

#include <gtest/gtest.h>

namespace parley::store::postgres {
namespace {

TEST(PostgresOptions, DsnRules) {
  EXPECT_EQ(check_dsn("host=127.0.0.1 port=5432 dbname=parley user=parley"), "");
  EXPECT_EQ(check_dsn("host=/var/run/postgresql dbname=parley"), "");
  EXPECT_EQ(check_dsn("dbname=parley"), "");
  EXPECT_EQ(check_dsn("host=db.internal dbname=parley sslmode=verify-full"), "");
  EXPECT_EQ(check_dsn("host=db.internal dbname='my db' sslmode='verify-ca'"), "");
  EXPECT_NE(check_dsn(""), "");
  EXPECT_NE(check_dsn("host=db.internal dbname=parley"), "");
  EXPECT_NE(check_dsn("host=db.internal dbname=parley sslmode=require"), "");
  EXPECT_NE(check_dsn("host=127.0.0.1 password=hunter2"), "");
  EXPECT_NE(check_dsn("postgresql://parley:pw@db/parley"), "");
  EXPECT_NE(check_dsn("host=127.0.0.1 options='-c x=y'"), "");
  EXPECT_NE(check_dsn("host='unterminated"), "");
}

TEST(PostgresOptions, ReadsItsSectionWithThePasswordByReference) {
  core::env_map env{{"PG_PW", "s3cret"}};
  auto cfg = core::config::parse(R"(
[store.postgres]
dsn = "host=127.0.0.1 dbname=parley user=parley"
password = { env = "PG_PW" }
pool_size = 8
writer_threads = 3
connect_timeout = "2s"
statement_timeout = "10s"
)",
                                 env);
  auto o = parse_options(cfg->section("store").section("postgres"));
  ASSERT_TRUE(cfg->ok()) << cfg->errors().front();
  EXPECT_EQ(o.pool_size, 8u);
  EXPECT_EQ(o.writer_threads, 3u);
  ASSERT_TRUE(o.password);
  EXPECT_EQ(o.password->reveal(), "s3cret");
  EXPECT_EQ(o.connect_timeout, std::chrono::seconds(2));
}

TEST(PostgresOptions, AnInlinePasswordOrABadDsnIsAConfigError) {
  for (const char* bad : {"[store.postgres]\npassword = \"inline\"", "[store.postgres]\ndsn = \"host=x.example\"",
                          "[store.postgres]\nunknown = 1"}) {
    auto cfg = core::config::parse(bad, {});
    (void)parse_options(cfg->section("store").section("postgres"));
    EXPECT_FALSE(cfg->ok()) << bad;
  }
}

}  // namespace
}  // namespace parley::store::postgres
