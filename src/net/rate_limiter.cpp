#include <parley/core/error.hpp>
#include <parley/net/rate_limiter.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace parley::net {

struct rate_limiter::bucket {
  std::string key;
  double tokens;  // negative: in debt (reserve())
  std::chrono::steady_clock::time_point last;
};

struct rate_limiter::shard {
  std::mutex mutex;
  std::list<bucket> lru;  // most recently used first
  std::unordered_map<std::string_view, std::list<bucket>::iterator> index;  // views into lru's keys
  std::optional<bucket> overflow;  // shared by new keys while no bucket can be evicted
};

namespace {
// Small limiters use one shard so that eviction is exactly least-recently-used; large ones spread
// the keys over 16 locks.
std::size_t shard_count(std::size_t max_keys) { return max_keys < 4096 ? 1 : 16; }
// How many of the least recently used buckets are looked at for a full one: O(1) per new key.
constexpr int eviction_scan = 4;
}  // namespace

rate_limiter::rate_limiter(rate_limit_options options, const core::clock& clock)
    : options_(options),
      clock_(clock),
      shards_(std::make_unique<shard[]>(shard_count(options.max_keys))),
      per_shard_max_(std::max<std::size_t>(1, options.max_keys / shard_count(options.max_keys))) {
  PARLEY_CHECK(options_.tokens_per_second > 0 && options_.burst >= 1 && options_.max_keys > 0,
               "invalid rate limit options");
}

rate_limiter::~rate_limiter() = default;

void rate_limiter::refill(bucket& b, std::chrono::steady_clock::time_point now) const noexcept {
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.tokens_per_second);
    b.last = now;
  }
}

rate_limiter::bucket& rate_limiter::lookup(shard& s, std::string_view key, std::chrono::steady_clock::time_point now) {
  if (auto it = s.index.find(key); it != s.index.end()) {
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return *it->second;
  }
  if (s.lru.size() < per_shard_max_) {
    s.lru.push_front({std::string(key), options_.burst, now});
    s.index.emplace(s.lru.front().key, s.lru.begin());
    return s.lru.front();
  }
  // Full: only a bucket that has refilled completely may go (it holds nothing a new one would not).
  int scanned = 0;
  for (auto r = s.lru.rbegin(); r != s.lru.rend() && scanned < eviction_scan; ++r, ++scanned) {
    refill(*r, now);
    if (r->tokens < options_.burst) continue;
    auto victim = std::prev(r.base());
    s.index.erase(victim->key);
    victim->key.assign(key);
    victim->tokens = options_.burst;
    victim->last = now;
    s.lru.splice(s.lru.begin(), s.lru, victim);
    s.index.emplace(victim->key, victim);
    return *victim;
  }
  if (!s.overflow) s.overflow = bucket{std::string(), options_.burst, now};
  return *s.overflow;
}

rate_decision rate_limiter::take(std::string_view key, double cost) {
  const std::size_t n = shard_count(options_.max_keys);
  shard& s = shards_[n == 1 ? 0 : std::hash<std::string_view>{}(key) % n];
  const auto now = clock_.steady_now();
  std::lock_guard lock(s.mutex);
  auto& b = lookup(s, key, now);
  refill(b, now);
  if (cost <= b.tokens) {
    b.tokens -= cost;
    return {true, std::chrono::milliseconds{0}};
  }
  if (cost > options_.burst) return {false, std::chrono::milliseconds::max()};
  const double wait_s = (cost - b.tokens) / options_.tokens_per_second;
  return {false, std::chrono::milliseconds{static_cast<long long>(std::ceil(wait_s * 1000.0))}};
}

rate_decision rate_limiter::reserve(std::string_view key, std::chrono::milliseconds max_wait, double cost) {
  const std::size_t n = shard_count(options_.max_keys);
  shard& s = shards_[n == 1 ? 0 : std::hash<std::string_view>{}(key) % n];
  const auto now = clock_.steady_now();
  std::lock_guard lock(s.mutex);
  auto& b = lookup(s, key, now);
  refill(b, now);
  if (cost > options_.burst) return {false, std::chrono::milliseconds::max()};
  const double wait_s = cost <= b.tokens ? 0.0 : (cost - b.tokens) / options_.tokens_per_second;
  const std::chrono::milliseconds wait{static_cast<long long>(std::ceil(wait_s * 1000.0))};
  if (wait > max_wait) return {false, wait};
  b.tokens -= cost;
  return {true, wait};
}

std::size_t rate_limiter::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count(options_.max_keys); ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].lru.size();
  }
  return total;
}

response too_many_requests(const rate_decision& refused) {
  auto r = error_response(errc::too_many_requests, "too many requests; retry later");
  const auto ms = refused.retry_after.count();
  const long long seconds = refused.retry_after == std::chrono::milliseconds::max() ? 3600 : (ms + 999) / 1000;
  r.headers.set("Retry-After", std::to_string(std::max(1LL, seconds)));
  return r;
}

}  // namespace parley::net
