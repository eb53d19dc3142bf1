// The bot-state cache's bounds and ordering rules (state_cache.hpp); how the store uses it is
// tested over real backends in the conformance suite (testing/store_suite.cpp).
#include "state_cache.hpp"

#include <gtest/gtest.h>

namespace parley::store::detail {
namespace {

cached_state state(std::string etag, std::size_t size, std::uint64_t stamp) {
  return {std::move(etag), bytes(size, 0x5a), "k1", 1, stamp};
}

TEST(StateCache, KeepsTheNewestWriteAndIgnoresOlderOnes) {
  state_cache c(8, 1 << 20);
  c.put("t", "c1", state("e2", 10, 2));
  c.put("t", "c1", state("e1", 10, 1));  // a write that completed late, though it locked first
  ASSERT_TRUE(c.get("t", "c1"));
  EXPECT_EQ(c.get("t", "c1")->etag, "e2");
  c.put("t", "c1", state("e3", 10, 3));
  EXPECT_EQ(c.get("t", "c1")->etag, "e3");
}

TEST(StateCache, AReadFillsOnlyAnEmptySlotAndAnyWriteReplacesIt) {
  state_cache c(8, 1 << 20);
  c.put("t", "c1", state("written", 10, 5));
  c.fill("t", "c1", state("read-before-the-write", 10, 0));
  EXPECT_EQ(c.get("t", "c1")->etag, "written");
  c.fill("t", "c2", state("read", 10, 99));
  EXPECT_EQ(c.get("t", "c2")->stamp, 0u);
  c.put("t", "c2", state("written", 10, 1));
  EXPECT_EQ(c.get("t", "c2")->etag, "written");
}

TEST(StateCache, ForgetsOnRequestAndKeysTenantsApart) {
  state_cache c(8, 1 << 20);
  c.put("t1", "c", state("a", 10, 1));
  c.put("t2", "c", state("b", 10, 1));
  c.forget("t1", "c");
  EXPECT_FALSE(c.get("t1", "c"));
  EXPECT_EQ(c.get("t2", "c")->etag, "b");
}

TEST(StateCache, IsBoundedByEntriesLeastRecentlyUsedFirst) {
  state_cache c(2, 1 << 20);
  c.put("t", "c1", state("1", 10, 1));
  c.put("t", "c2", state("2", 10, 1));
  (void)c.get("t", "c1");  // c2 is now the least recently used
  c.put("t", "c3", state("3", 10, 1));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(c.get("t", "c1"));
  EXPECT_FALSE(c.get("t", "c2"));
  EXPECT_TRUE(c.get("t", "c3"));
}

TEST(StateCache, IsBoundedByBytesAndSkipsVeryLargeStates) {
  state_cache c(100, 16 * 1024);
  c.put("t", "huge", state("h", 2000, 1));  // more than 1/16 of the bound
  EXPECT_FALSE(c.get("t", "huge"));
  for (int i = 0; i < 40; ++i) c.put("t", "c" + std::to_string(i), state("e", 900, 1));
  EXPECT_LE(c.bytes_used(), 16u * 1024);
  EXPECT_LT(c.size(), 40u);
  EXPECT_TRUE(c.get("t", "c39"));
  EXPECT_FALSE(c.get("t", "c0"));
}

TEST(StateCache, SizeZeroDisablesIt) {
  state_cache c(0, 1 << 20);
  c.put("t", "c1", state("1", 10, 1));
  EXPECT_FALSE(c.get("t", "c1"));
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace parley::store::detail
