#include <parley/login/token_vault.hpp>

namespace parley::login {

token_vault::token_vault(const core::clock& clock, std::chrono::milliseconds idle_timeout)
    : clock_(clock), idle_timeout_(idle_timeout) {}

token_vault::~token_vault() { clear(); }

bool token_vault::live(const slot& s, std::chrono::steady_clock::time_point now) const noexcept {
  return now < s.value->expires && now - s.last_used < idle_timeout_;
}

void token_vault::put(const conversation_key& key, crypto::sealed_secret token, std::chrono::seconds expires_in) {
  const auto now = clock_.steady_now();
  auto e = std::make_shared<entry>(entry{std::move(token), now + expires_in});
  std::shared_ptr<entry> old;
  {
    std::lock_guard lock(mutex_);
    auto& s = entries_[key];
    old = std::move(s.value);
    s.value = std::move(e);
    s.last_used = now;
  }
  // `old` (if any) is destroyed here, outside the lock: sealed_secret wipes its bytes.
}

bool token_vault::contains(const conversation_key& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it != entries_.end() && live(it->second, clock_.steady_now());
}

std::shared_ptr<const token_vault::entry> token_vault::use(const conversation_key& key) {
  std::shared_ptr<entry> dead;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  const auto now = clock_.steady_now();
  if (!live(it->second, now)) {
    dead = std::move(it->second.value);
    entries_.erase(it);
    return nullptr;
  }
  it->second.last_used = now;
  return it->second.value;
}

std::shared_ptr<const token_vault::entry> token_vault::take(const conversation_key& key) {
  std::shared_ptr<entry> e;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  const bool was_live = live(it->second, clock_.steady_now());
  e = std::move(it->second.value);
  entries_.erase(it);
  if (!was_live) return nullptr;
  return e;
}

bool token_vault::erase(const conversation_key& key) {
  std::shared_ptr<entry> e;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  e = std::move(it->second.value);
  entries_.erase(it);
  return true;
}

std::size_t token_vault::sweep() {
  std::vector<std::shared_ptr<entry>> dead;
  {
    std::lock_guard lock(mutex_);
    const auto now = clock_.steady_now();
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (live(it->second, now)) {
        ++it;
      } else {
        dead.push_back(std::move(it->second.value));
        it = entries_.erase(it);
      }
    }
  }
  return dead.size();
}

void token_vault::clear() {
  std::map<conversation_key, slot> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(entries_);
  }
}

std::size_t token_vault::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace parley::login
