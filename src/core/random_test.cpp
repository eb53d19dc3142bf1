#include <parley/core/random.hpp>
#include <parley/core/testing/fake_random.hpp>

#include <gtest/gtest.h>

#include <set>

namespace parley::core {
namespace {

TEST(Random, IdsHavePrefixAndEnoughEntropy) {
  const auto id = random_id(os_random(), "dl_", 16);
  EXPECT_TRUE(id.starts_with("dl_"));
  EXPECT_EQ(id.size(), 3u + 22u);  // 128 bits -> 22 base64url characters
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_id(os_random(), "", 16));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Random, BelowStaysInRange) {
  testing::counter_random rng;
  for (int i = 0; i < 1000; ++i) EXPECT_LT(random_below(rng, 7), 7u);
}

}  // namespace
}  // namespace parley::core
