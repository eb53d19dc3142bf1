#include "metrics.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <numeric>

namespace loadgen {
namespace {

using namespace std::chrono_literals;

std::vector<float> one_to(int n) {  // 1 ms, 2 ms, ... n ms, in microseconds
  std::vector<float> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1.0f);
  for (auto& x : v) x *= 1000.0f;
  return v;
}

TEST(percentiles, nearest_rank_of_sorted_samples) {
  const auto v = one_to(100);
  EXPECT_DOUBLE_EQ(percentile_ms(v, 50), 50.0);
  EXPECT_DOUBLE_EQ(percentile_ms(v, 90), 90.0);
  EXPECT_DOUBLE_EQ(percentile_ms(v, 99), 99.0);
  EXPECT_DOUBLE_EQ(percentile_ms(v, 100), 100.0);
  const auto ten = one_to(10);
  EXPECT_DOUBLE_EQ(percentile_ms(ten, 50), 5.0);   // rank ceil(5) = 5
  EXPECT_DOUBLE_EQ(percentile_ms(ten, 99), 10.0);  // rank ceil(9.9) = 10
  EXPECT_DOUBLE_EQ(percentile_ms(one_to(1), 1), 1.0);
  EXPECT_DOUBLE_EQ(percentile_ms({}, 50), 0.0);
}

TEST(percentiles, exact_ranks_for_every_size_up_to_100000) {
  // The rank is computed in floating point: it must equal the exact ceil(p * n / 100).
  for (int p : {50, 90, 99}) {
    for (std::size_t n = 1; n <= 100000; ++n) {
      const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
      ASSERT_EQ(rank, (static_cast<std::size_t>(p) * n + 99) / 100) << p << " " << n;
    }
  }
}

TEST(recorder, samples_are_reported_per_step_in_milliseconds_to_the_microsecond) {
  recorder r;
  for (int i = 100; i >= 1; --i) r.sample(step::reply, std::chrono::microseconds(i * 1000 + 123));
  r.sample(step::send, 1500us);
  auto steps = r.steps_json();
  const auto& rt = steps.at("round_trip").as_object();
  EXPECT_EQ(rt.at("count").as_uint64(), 100u);
  EXPECT_DOUBLE_EQ(rt.at("p50_ms").as_double(), 50.123);
  EXPECT_DOUBLE_EQ(rt.at("p90_ms").as_double(), 90.123);
  EXPECT_DOUBLE_EQ(rt.at("p99_ms").as_double(), 99.123);
  EXPECT_DOUBLE_EQ(rt.at("max_ms").as_double(), 100.123);
  EXPECT_EQ(rt.at("errors").as_uint64(), 0u);
  EXPECT_DOUBLE_EQ(steps.at("send").as_object().at("p50_ms").as_double(), 1.5);
  EXPECT_FALSE(steps.contains("handshake"));  // neither samples nor errors
}

TEST(recorder, errors_are_counted_by_step_and_kind_and_merged) {
  recorder a, b;
  a.error(step::handshake, "http 429");
  a.error(step::handshake, "http 429");
  b.error(step::handshake, "http 429");
  b.error(step::reply, "timeout");
  b.sample(step::reply, 2ms);
  a.merge(b);
  EXPECT_EQ(a.errors(), 4u);
  EXPECT_EQ(a.count(step::reply), 1u);
  const auto kinds = a.errors_json();
  EXPECT_EQ(kinds.at("handshake: http 429").as_uint64(), 3u);
  EXPECT_EQ(kinds.at("round_trip: timeout").as_uint64(), 1u);
  auto steps = a.steps_json();
  // A step with only errors is reported, with no samples.
  EXPECT_EQ(steps.at("handshake").as_object().at("errors").as_uint64(), 3u);
  EXPECT_EQ(steps.at("handshake").as_object().at("count").as_uint64(), 0u);
  EXPECT_EQ(steps.at("round_trip").as_object().at("errors").as_uint64(), 1u);
}

TEST(processes, this_process_is_sampled_and_a_missing_one_is_not) {
  const auto self = sample_process(static_cast<int>(::getpid()));
  EXPECT_TRUE(self.ok);
  EXPECT_GT(self.rss_kib, 0);
  EXPECT_GE(self.peak_kib, self.rss_kib);
  EXPECT_GE(self.cpu_seconds, 0.0);
  EXPECT_FALSE(sample_process(0x7ffffffe).ok);
  const auto two = sample_processes({static_cast<int>(::getpid()), static_cast<int>(::getpid())});
  EXPECT_TRUE(two.ok);
  EXPECT_GE(two.rss_kib, 2 * self.rss_kib - 1024);  // the sum (RSS moves a little in between)
  EXPECT_FALSE(sample_processes({}).ok);
  EXPECT_FALSE(sample_processes({static_cast<int>(::getpid()), 0x7ffffffe}).ok);
  EXPECT_GT(self_cpu_seconds(), 0.0);
}

}  // namespace
}  // namespace loadgen
