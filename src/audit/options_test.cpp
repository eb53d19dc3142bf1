#include <parley/audit/options.hpp>

#include <gtest/gtest.h>

namespace parley::audit {
namespace {

using namespace std::chrono_literals;

struct parsed {
  options opts;
  std::vector<std::string> errors;
};

parsed parse(std::string_view toml) {
  auto cfg = core::config::parse(toml, {});
  parsed p{parse_options(cfg->section("audit")), cfg->errors()};
  return p;
}

TEST(AuditOptions, DefaultsCheckpointEvery100EntriesOrAMinute) {
  auto p = parse("");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.opts.key_file, "audit-keys.json");
  EXPECT_EQ(p.opts.checkpoint_every, 100U);
  EXPECT_EQ(p.opts.checkpoint_interval, 60s);
}

TEST(AuditOptions, ReadsItsSection) {
  auto p = parse("[audit]\nkey_file = \"keys/audit.json\"\ncheckpoint_every = 10\ncheckpoint_interval = \"5m\"\n");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.opts.key_file, "keys/audit.json");
  EXPECT_EQ(p.opts.checkpoint_every, 10U);
  EXPECT_EQ(p.opts.checkpoint_interval, 5min);
}

TEST(AuditOptions, RefusesUnknownKeysAndNoCheckpoints) {
  EXPECT_FALSE(parse("[audit]\ncheckpoint_evry = 10\n").errors.empty());
  EXPECT_FALSE(parse("[audit]\ncheckpoint_every = 0\ncheckpoint_interval = 0\n").errors.empty());
  EXPECT_FALSE(parse("[audit]\ncheckpoint_every = -1\n").errors.empty());
  EXPECT_FALSE(parse("[audit]\ncheckpoint_interval = \"100ms\"\n").errors.empty());
  EXPECT_FALSE(parse("[audit]\nkey_file = \"\"\n").errors.empty());
  EXPECT_TRUE(parse("[audit]\ncheckpoint_every = 0\n").errors.empty()) << "time alone is enough";
  EXPECT_TRUE(parse("[audit]\ncheckpoint_interval = 0\n").errors.empty()) << "count alone is enough";
}

}  // namespace
}  // namespace parley::audit
