// When each simulated user acts: its share of a worker, its connect time within the ramp, and its
// think times. Pure functions (tests: schedule_test.cpp).
#pragma once

#include "metrics.hpp"

#include <chrono>
#include <random>

namespace loadgen {

/// Users of worker `index` of `threads`: users index, index + threads, ... (what worker::spawn
/// starts), so that the counts add up to `users`.
[[nodiscard]] int users_on_worker(int users, unsigned threads, unsigned index) noexcept;

/// User `index` of `users` connects this long after the start: spread evenly over `ramp`.
[[nodiscard]] clock::duration ramp_delay(std::chrono::milliseconds ramp, int index, int users) noexcept;

/// The pause before message `seq`: the first comes at a uniformly random point of one mean think
/// time (users do not send in lockstep), later ones vary uniformly by ±50 % around the mean.
/// Zero when `mean` is zero (closed loop).
[[nodiscard]] clock::duration think_time(std::chrono::milliseconds mean, int seq, std::mt19937_64& rng);

}  // namespace loadgen
