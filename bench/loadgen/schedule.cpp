#include "schedule.hpp"

namespace loadgen {

int users_on_worker(int users, unsigned threads, unsigned index) noexcept {
  if (threads == 0 || users <= 0 || static_cast<int>(index) >= users) return 0;
  return (users - static_cast<int>(index) + static_cast<int>(threads) - 1) / static_cast<int>(threads);
}

clock::duration ramp_delay(std::chrono::milliseconds ramp, int index, int users) noexcept {
  if (users <= 1) return clock::duration::zero();
  // In milliseconds: the product stays far from overflow (nanoseconds would not, for an hour's
  // ramp over 100 000 users).
  return std::chrono::duration_cast<clock::duration>(ramp * index / users);
}

clock::duration think_time(std::chrono::milliseconds mean, int seq, std::mt19937_64& rng) {
  if (mean.count() <= 0) return clock::duration::zero();
  const double lo = seq == 0 ? 0.0 : 0.5, hi = seq == 0 ? 1.0 : 1.5;
  std::uniform_real_distribution<double> f(lo, hi);
  return std::chrono::duration_cast<clock::duration>(mean * f(rng));
}

}  // namespace loadgen
