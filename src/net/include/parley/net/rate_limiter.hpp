// A per-key token-bucket rate limiter with bounded memory.
//
// Each key (a client key as net::client_key gives it, a conversation id...) has a bucket of `burst`
// tokens refilled at `tokens_per_second`; a request takes `cost` tokens or is refused with the time
// until it would fit (take), or waits its turn within a delay budget (reserve).
// At most `max_keys` buckets are kept. A bucket is only ever evicted once it has refilled to full
// (a full bucket and a new one are the same, so an attacker gains nothing by pushing its own
// bucket out with other keys); when the least recently used buckets are all still in use, a new
// key shares one overflow bucket instead of getting its own (degraded, never reset).
// Time comes from the injected clock (steady_now), so tests need no sleeping.
// Thread-safety: take() may be called from any thread (the keys are spread over locked shards).
#pragma once

#include <parley/core/clock.hpp>
#include <parley/net/http.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

namespace parley::net {

struct rate_limit_options {
  double tokens_per_second = 1.0;  ///< sustained rate; must be > 0
  double burst = 10.0;             ///< bucket size; must be >= 1
  std::size_t max_keys = 100'000;  ///< memory bound (roughly 100 bytes per key plus the key)
};

struct rate_decision {
  bool allowed = false;
  /// When refused: how long until `cost` tokens are available (for Retry-After). When reserve()
  /// allowed: how long the caller waits before going ahead (its place in the queue).
  std::chrono::milliseconds retry_after{0};
};

class rate_limiter {
 public:
  /// `clock` must outlive the limiter.
  rate_limiter(rate_limit_options options, const core::clock& clock);
  ~rate_limiter();
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  /// Takes `cost` tokens from `key`'s bucket if it has them. A cost above burst is always refused.
  [[nodiscard]] rate_decision take(std::string_view key, double cost = 1.0);
  /// Takes `cost` tokens now even if the bucket goes into debt, when the debt is paid back within
  /// `max_wait`: allowed, with retry_after = how long to wait first (so that concurrent callers
  /// are spaced at the sustained rate instead of all going after the same wait). Refused, and
  /// nothing taken, when even max_wait would not be enough: the delay budget is spent.
  [[nodiscard]] rate_decision reserve(std::string_view key, std::chrono::milliseconds max_wait, double cost = 1.0);
  /// Number of keys currently tracked.
  [[nodiscard]] std::size_t size() const;

 private:
  struct shard;
  struct bucket;
  bucket& lookup(shard& s, std::string_view key, std::chrono::steady_clock::time_point now);
  void refill(bucket& b, std::chrono::steady_clock::time_point now) const noexcept;
  rate_limit_options options_;
  const core::clock& clock_;
  std::unique_ptr<shard[]> shards_;
  std::size_t per_shard_max_;
};

/// The 429 TooManyRequests error response for a refusal, with Retry-After in whole seconds
/// (rounded up; a cost that can never fit says 3600).
[[nodiscard]] response too_many_requests(const rate_decision& refused);

}  // namespace parley::net
