#include "conversation_locks.hpp"

#include <parley/core/async.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

namespace parley::channel {

namespace asio = boost::asio;

asio::awaitable<conversation_locks::guard> conversation_locks::lock(std::string key) {
  std::shared_ptr<asio::steady_timer> wake;
  {
    std::lock_guard lock(mutex_);
    auto& s = slots_[key];
    ++s.users;
    if (!s.locked) {
      s.locked = true;
      co_return guard(this, std::move(key));
    }
    wake = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                asio::steady_timer::time_point::max());
    s.waiters.push_back(wake);
  }
  // unlock() hands the lock over and ends this wait (see there); the lock is ours afterwards.
  (void)co_await wake->async_wait(core::use_tuple);
  co_return guard(this, std::move(key));
}

void conversation_locks::unlock(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(key);
  if (it == slots_.end()) return;
  auto& s = it->second;
  --s.users;
  if (!s.waiters.empty()) {
    // Hand over without unlocking. The timer is touched only on its owner's executor, where the
    // waiting coroutine runs: setting a past expiry there either cancels a wait in progress or
    // makes one that has not started yet complete at once, so the wake-up cannot be lost.
    auto next = std::move(s.waiters.front());
    s.waiters.pop_front();
    asio::post(next->get_executor(), [next] { next->expires_at(asio::steady_timer::time_point::min()); });
    return;
  }
  s.locked = false;
  if (slots_.size() > max_idle_) {
    for (auto i = slots_.begin(); i != slots_.end() && slots_.size() > max_idle_ / 2;) {
      i = (!i->second.locked && i->second.users == 0) ? slots_.erase(i) : std::next(i);
    }
  }
}

conversation_locks::time_point conversation_locks::next_timestamp(const std::string& key, time_point now) {
  std::lock_guard lock(mutex_);
  auto& s = slots_[key];
  const auto t = std::max(std::chrono::time_point_cast<std::chrono::milliseconds>(now),
                          std::chrono::time_point_cast<std::chrono::milliseconds>(s.last + std::chrono::milliseconds(1)));
  s.last = t;
  return t;
}

std::size_t conversation_locks::size() const {
  std::lock_guard lock(mutex_);
  return slots_.size();
}

}  // namespace parley::channel
