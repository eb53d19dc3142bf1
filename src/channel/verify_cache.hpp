// A bounded cache of successful token verifications, keyed by the SHA-256 of the token text.
// Entries carry the token's expiry and are ignored once it has passed (the caller then verifies
// again and gets the real "expired" answer). Each of 16 shards keeps insertion order and evicts
// its oldest entry when full: tokens have similar lifetimes, so the oldest is the closest to expiry.
// Capacity 0 disables the cache. Thread-safety: all members may be called from any thread.
#pragma once

#include <parley/crypto/primitives.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace parley::channel {

template <class Value>
class verify_cache {
 public:
  using time_point = std::chrono::system_clock::time_point;

  explicit verify_cache(std::size_t capacity) : per_shard_(capacity == 0 ? 0 : std::max<std::size_t>(1, capacity / shards)) {}

  /// The cached value for `token` if it is there and `now` is before its expiry.
  [[nodiscard]] std::optional<Value> find(std::string_view token, time_point now) {
    if (per_shard_ == 0) return std::nullopt;
    const auto key = crypto::sha256(token);
    auto& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    const auto it = s.map.find(key);
    if (it == s.map.end() || now >= it->second.valid_until) return std::nullopt;
    return it->second.value;
  }

  /// Remembers that `token` verified to `value`, usable until `valid_until`.
  void insert(std::string_view token, Value value, time_point valid_until) {
    if (per_shard_ == 0) return;
    const auto key = crypto::sha256(token);
    auto& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    if (s.map.contains(key)) return;
    while (s.map.size() >= per_shard_ && !s.order.empty()) {
      s.map.erase(s.order.front());
      s.order.pop_front();
    }
    s.map.emplace(key, entry{std::move(value), valid_until});
    s.order.push_back(key);
  }

  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s.mutex);
      n += s.map.size();
    }
    return n;
  }

 private:
  static constexpr std::size_t shards = 16;
  using key_type = crypto::sha256_digest;
  struct key_hash {
    std::size_t operator()(const key_type& k) const noexcept {
      std::size_t h;
      std::memcpy(&h, k.data(), sizeof h);  // already uniformly distributed
      return h;
    }
  };
  struct entry {
    Value value;
    time_point valid_until;
  };
  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<key_type, entry, key_hash> map;
    std::deque<key_type> order;
  };
  shard& shard_for(const key_type& k) { return shards_[k[31] % shards]; }

  std::size_t per_shard_;
  std::array<shard, shards> shards_;
};

}  // namespace parley::channel
