// Per-key ordering for consumers (bus.hpp: at-least-once, any order across publishers). A
// sequencer follows one key (a conversation) by the store's gap-free sequence numbers: it drops
// what was already delivered, holds what arrives early, hands out the contiguous run that follows
// the last delivered number, and says which range is missing so that the consumer reads it from
// the store (the source of truth) instead of waiting for a message that may never come.
//
//   sequencer<T> s(watermark, 512);
//   on a message:   if (s.offer(seq, value) == offer_result::overflow) resync();
//                   s.drain([&](std::uint64_t seq, T& v) { deliver(v); });
//                   if (auto g = s.begin_fetch()) read the store after g->after, then
//                      s.advance_to(last seq read) (after delivering what was read) and s.end_fetch().
//
// Not thread-safe: the owner serialises calls (a mutex or a strand per key).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>

namespace parley::bus {

enum class offer_result {
  held,       ///< kept; drain() hands it out once everything before it was delivered
  duplicate,  ///< at or below the watermark, or already held: dropped
  overflow,   ///< max_pending values are held already: dropped; the consumer must resync
};

/// Sequence numbers missing before the first held value: (after, until].
struct seq_gap {
  std::uint64_t after = 0;
  std::uint64_t until = 0;
};

template <class T>
class sequencer {
 public:
  /// `delivered`: the watermark (everything up to it was delivered). `max_pending`: values held
  /// at most (>= 1).
  explicit sequencer(std::uint64_t delivered = 0, std::size_t max_pending = 512)
      : delivered_(delivered), max_pending_(max_pending == 0 ? 1 : max_pending) {}

  /// Offers the value with sequence number `seq`.
  offer_result offer(std::uint64_t seq, T value) {
    if (seq <= delivered_ || pending_.contains(seq)) return offer_result::duplicate;
    if (pending_.size() >= max_pending_) return offer_result::overflow;
    pending_.emplace(seq, std::move(value));
    return offer_result::held;
  }

  /// True when `seq` would be delivered at once: nothing is missing before it.
  [[nodiscard]] bool is_next(std::uint64_t seq) const noexcept { return seq == delivered_ + 1; }

  /// Calls f(seq, T&) for the contiguous run after the watermark, in order, advancing it. If f
  /// returns bool, false stops the run (the value it refused is dropped, the watermark includes it).
  template <class F>
  void drain(F&& f) {
    auto it = pending_.begin();
    while (it != pending_.end() && it->first == delivered_ + 1) {
      delivered_ = it->first;
      if constexpr (std::is_same_v<decltype(f(it->first, it->second)), bool>) {
        const bool go_on = f(it->first, it->second);
        it = pending_.erase(it);
        if (!go_on) return;
      } else {
        f(it->first, it->second);
        it = pending_.erase(it);
      }
    }
  }

  /// The consumer delivered everything up to `seq` by other means (the store): the watermark
  /// moves there and held values at or below it are dropped.
  void advance_to(std::uint64_t seq) {
    if (seq <= delivered_) return;
    delivered_ = seq;
    pending_.erase(pending_.begin(), pending_.upper_bound(seq));
  }

  /// The missing range before the first held value, if any.
  [[nodiscard]] std::optional<seq_gap> gap() const {
    if (pending_.empty() || pending_.begin()->first == delivered_ + 1) return std::nullopt;
    return seq_gap{delivered_, pending_.begin()->first - 1};
  }

  /// gap(), and marks a store read in flight so that it is asked for once; nullopt when there is
  /// no gap or a read is already in flight.
  std::optional<seq_gap> begin_fetch() {
    if (fetching_) return std::nullopt;
    auto g = gap();
    if (g) fetching_ = true;
    return g;
  }
  /// Marks a forced read in flight (a catch-up after a reconnect, with or without a gap); false
  /// when one is already in flight.
  bool begin_catch_up() {
    if (fetching_) return false;
    fetching_ = true;
    return true;
  }
  /// The store read started by begin_fetch()/begin_catch_up() is over.
  void end_fetch() noexcept { fetching_ = false; }
  [[nodiscard]] bool fetching() const noexcept { return fetching_; }

  [[nodiscard]] std::uint64_t delivered() const noexcept { return delivered_; }
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }
  /// Drops every held value (the consumer resyncs from the store).
  void clear() noexcept { pending_.clear(); }

 private:
  std::uint64_t delivered_;
  std::size_t max_pending_;
  bool fetching_ = false;
  std::map<std::uint64_t, T> pending_;
};

}  // namespace parley::bus
