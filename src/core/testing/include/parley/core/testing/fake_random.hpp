// A deterministic random source for tests that need repeatable ids (never for keys in production).
#pragma once

#include <parley/core/random.hpp>

#include <mutex>

namespace parley::core::testing {

class counter_random final : public core::random_source {
 public:
  explicit counter_random(std::uint8_t start = 0) : next_(start) {}
  void fill(std::span<std::uint8_t> out) override {
    std::lock_guard lock(mutex_);
    for (auto& b : out) b = next_++;
  }

 private:
  std::mutex mutex_;
  std::uint8_t next_;
};

}  // namespace parley::core::testing
