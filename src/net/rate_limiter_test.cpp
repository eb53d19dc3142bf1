#include <parley/core/testing/fake_clock.hpp>
#include <parley/net/rate_limiter.hpp>

#include <gtest/gtest.h>

#include <string>

namespace parley::net {
namespace {

using namespace std::chrono_literals;

TEST(rate_limiter, allows_a_burst_then_refuses) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 3, .max_keys = 10}, clock);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  const auto d = limiter.take("10.0.0.1");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1000ms);
}

TEST(rate_limiter, refills_with_time) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 2, .burst = 2, .max_keys = 10}, clock);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.take("k").allowed);
  clock.advance(250ms);  // half a token
  const auto d = limiter.take("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 250ms);
  clock.advance(250ms);
  EXPECT_TRUE(limiter.take("k").allowed);
  clock.advance(10s);  // never more than the burst
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.take("k").allowed);
}

TEST(rate_limiter, keys_are_independent) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 1, .max_keys = 10}, clock);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_FALSE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
}

TEST(rate_limiter, cost_above_burst_is_always_refused) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 5, .max_keys = 10}, clock);
  EXPECT_FALSE(limiter.take("k", 6).allowed);
  EXPECT_TRUE(limiter.take("k", 5).allowed);
}

TEST(rate_limiter, memory_is_bounded_and_only_full_buckets_are_evicted) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 1, .max_keys = 3}, clock);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
  EXPECT_TRUE(limiter.take("c").allowed);
  // Every bucket is in use: a new key shares the overflow bucket instead of evicting one.
  EXPECT_TRUE(limiter.take("d").allowed);
  EXPECT_FALSE(limiter.take("e").allowed);
  EXPECT_EQ(limiter.size(), 3u);
  for (int i = 0; i < 1000; ++i) (void)limiter.take("key" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.take("a").allowed);  // a kept its empty bucket
  clock.advance(1s);                        // a, b, c have refilled: they may go now
  EXPECT_TRUE(limiter.take("f").allowed);   // evicts the least recently used full bucket
  EXPECT_FALSE(limiter.take("f").allowed);  // ... and has a bucket of its own
  EXPECT_EQ(limiter.size(), 3u);
}

// Issue 14: an attacker who empties its bucket and then floods other keys must not find its
// bucket reset (LRU eviction used to drop it, and a key seen again started full).
TEST(rate_limiter, eviction_never_resets_a_bucket_in_the_attackers_favour) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 5, .max_keys = 100}, clock);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.take("attacker").allowed);
  ASSERT_FALSE(limiter.take("attacker").allowed);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10'000; ++i) (void)limiter.take("spoofed-" + std::to_string(round) + "-" + std::to_string(i));
    EXPECT_FALSE(limiter.take("attacker").allowed) << round;
    clock.advance(100ms);
  }
  EXPECT_LE(limiter.size(), 100u);
}

TEST(rate_limiter, reserve_spaces_callers_within_the_delay_budget) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 2, .burst = 2, .max_keys = 10}, clock);
  EXPECT_EQ(limiter.reserve("k", 1s).retry_after, 0ms);
  EXPECT_EQ(limiter.reserve("k", 1s).retry_after, 0ms);
  // Over the rate: each caller waits its turn, 0.5 s apart, up to the budget.
  auto d = limiter.reserve("k", 1s);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.retry_after, 500ms);
  d = limiter.reserve("k", 1s);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.retry_after, 1000ms);
  // The budget is spent: refused, nothing taken.
  d = limiter.reserve("k", 1s);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1500ms);
  EXPECT_FALSE(limiter.take("k").allowed);
  clock.advance(1500ms);  // the debt is paid back: one token again
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.reserve("k", 1s, 3).allowed);  // a cost over the burst never fits
}

TEST(rate_limiter, large_limiters_stay_bounded_across_shards) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 1, .max_keys = 8192}, clock);
  for (int i = 0; i < 50'000; ++i) (void)limiter.take("client-" + std::to_string(i));
  EXPECT_LE(limiter.size(), 8192u);
  EXPECT_GT(limiter.size(), 8000u);
}

TEST(rate_limiter, refusal_response_has_retry_after_in_seconds) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 0.5, .burst = 1, .max_keys = 10}, clock);
  ASSERT_TRUE(limiter.take("k").allowed);
  const auto refused = limiter.take("k");
  ASSERT_FALSE(refused.allowed);
  const auto r = too_many_requests(refused);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.get("Retry-After"), "2");
  EXPECT_NE(r.body.find("TooManyRequests"), std::string::npos);
  EXPECT_EQ(too_many_requests({false, std::chrono::milliseconds{1}}).headers.get("Retry-After"), "1");
  EXPECT_EQ(too_many_requests(limiter.take("k", 5)).headers.get("Retry-After"), "3600");
}

}  // namespace
}  // namespace parley::net
