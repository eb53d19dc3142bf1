// A sink for tests: keeps every appended entry in memory, in order; can be told to fail.
// Thread-safe (one mutex).
#pragma once

#include <parley/audit/sink.hpp>

#include <mutex>
#include <vector>

namespace parley::audit::testing {

class memory_sink final : public sink {
 public:
  boost::asio::awaitable<result<std::uint64_t>> append(entry e) override {
    std::lock_guard lock(mutex_);
    if (fail_) co_return make_error_code(errc::unavailable);
    entries_.push_back(std::move(e));
    co_return entries_.size();
  }
  /// Makes every later append fail with errc::unavailable (or succeed again).
  void fail(bool on) {
    std::lock_guard lock(mutex_);
    fail_ = on;
  }
  [[nodiscard]] std::vector<entry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
  bool fail_ = false;
};

}  // namespace parley::audit::testing
