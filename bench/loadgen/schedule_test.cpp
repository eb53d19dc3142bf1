#include "schedule.hpp"

#include <gtest/gtest.h>

namespace loadgen {
namespace {

using namespace std::chrono_literals;

TEST(schedule, users_are_shared_out_as_the_workers_start_them) {
  for (int users : {1, 2, 7, 10, 100, 1001}) {
    for (unsigned threads : {1u, 2u, 3u, 8u, 64u}) {
      int total = 0;
      for (unsigned i = 0; i < threads; ++i) {
        int started = 0;  // worker::spawn(i, threads): users i, i + threads, ...
        for (int u = static_cast<int>(i); u < users; u += static_cast<int>(threads)) ++started;
        EXPECT_EQ(users_on_worker(users, threads, i), started) << users << " " << threads << " " << i;
        total += users_on_worker(users, threads, i);
      }
      EXPECT_EQ(total, users);
    }
  }
}

TEST(schedule, connects_are_spread_evenly_over_the_ramp) {
  EXPECT_EQ(ramp_delay(2000ms, 0, 100), clock::duration::zero());
  EXPECT_EQ(ramp_delay(2000ms, 50, 100), 1000ms);
  EXPECT_EQ(ramp_delay(2000ms, 99, 100), 1980ms);
  EXPECT_EQ(ramp_delay(2000ms, 0, 1), clock::duration::zero());
  // No overflow with many users over a long ramp.
  EXPECT_EQ(ramp_delay(std::chrono::milliseconds(3'600'000), 99'999, 100'000),
            std::chrono::microseconds(3'599'964'000));
}

TEST(schedule, think_times_have_the_mean_asked_for) {
  std::mt19937_64 rng(42);
  const auto mean = 1000ms;
  double first = 0, later = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const auto a = think_time(mean, 0, rng);
    const auto b = think_time(mean, 1 + i % 5, rng);
    ASSERT_GE(a, clock::duration::zero());
    ASSERT_LT(a, mean);
    ASSERT_GE(b, mean / 2);
    ASSERT_LT(b, mean * 3 / 2);
    first += std::chrono::duration<double, std::milli>(a).count();
    later += std::chrono::duration<double, std::milli>(b).count();
  }
  // The first pause is half a think time on average (a random phase), later ones one.
  EXPECT_NEAR(first / n, 500.0, 10.0);
  EXPECT_NEAR(later / n, 1000.0, 10.0);
}

TEST(schedule, zero_think_time_is_a_closed_loop) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(think_time(0ms, 0, rng), clock::duration::zero());
  EXPECT_EQ(think_time(0ms, 3, rng), clock::duration::zero());
}

}  // namespace
}  // namespace loadgen
