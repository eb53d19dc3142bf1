// Private: a bounded write-through cache of bot state, so that a turn's get_bot_state needs no
// trip to the store's pool and database (docs/adr/0006-encrypted-store.md, "Bot state cache").
//
// Entries hold the state as stored: sealed under the conversation's data key, with its etag and
// the key's id and version. A hit is opened with the key ring's cached data key; no plaintext is
// kept. Correctness never depends on the cache: put_bot_state checks the etag in the database
// (under the conversation's row lock), so an entry made stale by another process gives
// errc::etag_mismatch, after which the store forgets the entry and the caller's next get reads
// the database. Each write carries a stamp taken under that lock; an entry is replaced only by a
// newer stamp, so out-of-order completions of several writer threads never restore older state.
//
// Bounded by entries and bytes (least recently used first out); a state larger than 1/16 of the
// byte bound is not cached. Thread-safety: all member functions may be called concurrently.
#pragma once

#include <parley/store/backend.hpp>

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::store::detail {

struct cached_state {
  std::string etag;
  bytes sealed;
  std::string key_id;
  std::uint32_t key_version = 0;
  std::uint64_t stamp = 0;  ///< 0: filled by a read (any write replaces it)
};

class state_cache {
 public:
  /// max_entries 0 disables the cache.
  state_cache(std::size_t max_entries, std::size_t max_bytes);

  [[nodiscard]] bool enabled() const noexcept { return max_entries_ > 0; }
  /// A copy of the entry, or nothing.
  [[nodiscard]] std::optional<cached_state> get(std::string_view tenant_id, std::string_view conversation_id);
  /// After a committed write: replaces the entry unless it holds a newer stamp.
  void put(std::string_view tenant_id, std::string_view conversation_id, cached_state state);
  /// After a read: adds the entry only if there is none (a write may have overtaken the read).
  void fill(std::string_view tenant_id, std::string_view conversation_id, cached_state state);
  void forget(std::string_view tenant_id, std::string_view conversation_id);

  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t bytes_used() const;

 private:
  struct entry {
    cached_state state;
    std::list<std::string>::iterator lru;
  };
  static std::string key(std::string_view tenant_id, std::string_view conversation_id);
  static std::size_t cost(const cached_state& s) noexcept;
  void store_locked(std::string k, cached_state state, bool only_if_absent);
  void erase_locked(std::unordered_map<std::string, entry>::iterator it);

  std::size_t max_entries_;
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, entry> entries_;
  std::size_t bytes_ = 0;
};

}  // namespace parley::store::detail
