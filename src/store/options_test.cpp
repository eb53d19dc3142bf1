// [store] options (options.hpp).
#include <parley/store/options.hpp>

#include <gtest/gtest.h>

namespace parley::store {
namespace {

using namespace std::chrono_literals;

struct parsed {
  std::unique_ptr<core::config> cfg;
  options opts;
};

parsed parse(std::string_view toml) {
  parsed p{core::config::parse(toml, {}), {}};
  auto s = p.cfg->section("store");
  (void)s.section("sqlite");  // the backends' tables belong to them
  (void)s.section("postgres");
  p.opts = parse_options(s);
  return p;
}

TEST(StoreOptions, DefaultsAreTheEmbeddedSetup) {
  auto p = parse("");
  EXPECT_TRUE(p.cfg->ok());
  EXPECT_EQ(p.opts.backend, backend_kind::sqlite);
  EXPECT_EQ(p.opts.max_batch, 512u);
  EXPECT_TRUE(p.opts.migrate_on_open);
  EXPECT_EQ(p.opts.bot_state_cache_size, 4096u);
  EXPECT_EQ(p.opts.retention_for("anyone"), 0ms);
}

TEST(StoreOptions, ReadsEveryKeyAndPerTenantRetention) {
  auto p = parse(R"(
[store]
backend = "postgres"
threads = 3
max_batch = 64
max_activity_bytes = 65536
max_attachment_bytes = 1048576
max_bot_state_bytes = 4096
key_cache_size = 100
bot_state_cache_size = 0
bot_state_cache_bytes = 1048576
migrate_on_open = false
default_retention = "30d"
[[store.retention]]
tenant = "bankx"
keep = "90d"
[[store.retention]]
tenant = "forever"
keep = 0
[store.postgres]
dsn = "ignored here"
)");
  ASSERT_TRUE(p.cfg->ok()) << p.cfg->errors().front();
  EXPECT_EQ(p.opts.backend, backend_kind::postgres);
  EXPECT_EQ(p.opts.threads, 3u);
  EXPECT_EQ(p.opts.max_batch, 64u);
  EXPECT_EQ(p.opts.max_activity_bytes, 65536u);
  EXPECT_EQ(p.opts.max_attachment_bytes, 1048576u);
  EXPECT_EQ(p.opts.max_bot_state_bytes, 4096u);
  EXPECT_EQ(p.opts.key_cache_size, 100u);
  EXPECT_EQ(p.opts.bot_state_cache_size, 0u);
  EXPECT_EQ(p.opts.bot_state_cache_bytes, 1048576u);
  EXPECT_FALSE(p.opts.migrate_on_open);
  EXPECT_EQ(p.opts.retention_for("bankx"), std::chrono::hours(24 * 90));
  EXPECT_EQ(p.opts.retention_for("forever"), 0ms);
  EXPECT_EQ(p.opts.retention_for("other"), std::chrono::hours(24 * 30));
}

TEST(StoreOptions, MistakesAreReported) {
  for (const char* bad : {"[store]\nbackend = \"mysql\"", "[store]\nmax_batch = 0", "[store]\nbot_state_cache_size = -1", "[store]\nunknown = 1",
                          "[store]\n[[store.retention]]\nkeep = \"1d\"",
                          "[store]\n[[store.retention]]\ntenant = \"x\"",
                          "[store]\n[[store.retention]]\ntenant = \"x\"\nkeep = \"1d\"\n"
                          "[[store.retention]]\ntenant = \"x\"\nkeep = \"2d\"",
                          "[store]\n[[store.retention]]\ntenant = \"x\"\nkeep = \"1d\"\nextra = 1"}) {
    auto p = parse(bad);
    EXPECT_FALSE(p.cfg->ok()) << bad;
  }
}

}  // namespace
}  // namespace parley::store
