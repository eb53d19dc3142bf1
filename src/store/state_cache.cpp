#include "state_cache.hpp"

namespace parley::store::detail {

state_cache::state_cache(std::size_t max_entries, std::size_t max_bytes)
    : max_entries_(max_entries), max_bytes_(max_bytes) {}

std::string state_cache::key(std::string_view tenant_id, std::string_view conversation_id) {
  // Ids never contain NUL (valid_id), so the pair is unambiguous.
  std::string k;
  k.reserve(tenant_id.size() + 1 + conversation_id.size());
  k.append(tenant_id).push_back('\0');
  k.append(conversation_id);
  return k;
}

std::size_t state_cache::cost(const cached_state& s) noexcept {
  return s.sealed.size() + s.etag.size() + s.key_id.size() + 64;
}

std::optional<cached_state> state_cache::get(std::string_view tenant_id, std::string_view conversation_id) {
  if (!enabled()) return std::nullopt;
  const auto k = key(tenant_id, conversation_id);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.state;
}

void state_cache::put(std::string_view tenant_id, std::string_view conversation_id, cached_state state) {
  if (!enabled()) return;
  auto k = key(tenant_id, conversation_id);
  std::lock_guard lock(mutex_);
  store_locked(std::move(k), std::move(state), false);
}

void state_cache::fill(std::string_view tenant_id, std::string_view conversation_id, cached_state state) {
  if (!enabled()) return;
  state.stamp = 0;
  auto k = key(tenant_id, conversation_id);
  std::lock_guard lock(mutex_);
  store_locked(std::move(k), std::move(state), true);
}

void state_cache::forget(std::string_view tenant_id, std::string_view conversation_id) {
  if (!enabled()) return;
  const auto k = key(tenant_id, conversation_id);
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(k); it != entries_.end()) erase_locked(it);
}

std::size_t state_cache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t state_cache::bytes_used() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void state_cache::store_locked(std::string k, cached_state state, bool only_if_absent) {
  auto it = entries_.find(k);
  if (it != entries_.end()) {
    if (only_if_absent || it->second.state.stamp > state.stamp) return;
    erase_locked(it);
  }
  // A very large state would push out many small ones for one conversation: not cached.
  if (cost(state) > max_bytes_ / 16) return;
  bytes_ += cost(state);
  lru_.push_front(k);
  entries_.emplace(std::move(k), entry{std::move(state), lru_.begin()});
  while (entries_.size() > max_entries_ || bytes_ > max_bytes_) erase_locked(entries_.find(lru_.back()));
}

void state_cache::erase_locked(std::unordered_map<std::string, entry>::iterator it) {
  bytes_ -= cost(it->second.state);
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

}  // namespace parley::store::detail
