// Per-conversation serialisation of appends without blocking a thread: an asynchronous mutex per
// conversation key, and the conversation's last timestamp (so that timestamps are strictly
// increasing per conversation and in the same order as the store's sequence numbers, which Web
// Chat sorts by). Held only around one append (timestamp, store write, publish), never across a
// wait for the bot. Waiters are woken in FIFO order on their own executors.
//
// Memory: a slot per conversation seen, dropped when unused and the map passes `max_idle` slots
// (the next append then starts from the wall clock again).
// Thread-safety: every member may be called from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::channel {

class conversation_locks {
 public:
  using time_point = std::chrono::system_clock::time_point;

  explicit conversation_locks(std::size_t max_idle = 100'000) : max_idle_(max_idle) {}

  /// Ownership of one conversation's lock; released when destroyed.
  class guard {
   public:
    guard(conversation_locks* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    guard(guard&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}
    guard& operator=(guard&&) = delete;
    guard(const guard&) = delete;
    ~guard() {
      if (owner_) owner_->unlock(key_);
    }
    /// A timestamp after every earlier one of this conversation: max(now, last + 1 ms).
    [[nodiscard]] time_point next_timestamp(time_point now) { return owner_->next_timestamp(key_, now); }

   private:
    conversation_locks* owner_;
    std::string key_;
  };

  /// Waits for the lock of `key` (resumes on the caller's executor).
  [[nodiscard]] boost::asio::awaitable<guard> lock(std::string key);

  [[nodiscard]] std::size_t size() const;

 private:
  struct slot {
    bool locked = false;
    std::size_t users = 0;  // holder + waiters
    std::deque<std::shared_ptr<boost::asio::steady_timer>> waiters;
    time_point last{};
  };
  void unlock(const std::string& key);
  time_point next_timestamp(const std::string& key, time_point now);

  std::size_t max_idle_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, slot> slots_;
};

}  // namespace parley::channel
