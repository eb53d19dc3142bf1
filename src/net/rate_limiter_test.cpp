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

TEST(rate_limiter, memory_is_bounded_by_evicting_the_least_recently_used) {
  core::testing::fake_clock clock;
  rate_limiter limiter({.tokens_per_second = 1, .burst = 1, .max_keys = 3}, clock);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
  EXPECT_TRUE(limiter.take("c").allowed);
  EXPECT_FALSE(limiter.take("a").allowed);  // touches a: b is now the least recently used
  EXPECT_TRUE(limiter.take("d").allowed);   // evicts b
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.take("a").allowed);  // a kept its empty bucket
  EXPECT_TRUE(limiter.take("b").allowed);   // b was evicted: starts full again
  for (int i = 0; i < 1000; ++i) (void)limiter.take("key" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 3u);
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
