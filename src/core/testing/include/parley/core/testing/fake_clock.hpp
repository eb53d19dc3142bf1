// A clock that moves only when told to. Thread-safe.
#pragma once

#include <parley/core/clock.hpp>

#include <atomic>

namespace parley::core::testing {

class fake_clock final : public core::clock {
 public:
  /// Starts at 2026-01-01T00:00:00Z (wall) and an arbitrary steady origin.
  fake_clock();
  std::chrono::system_clock::time_point now() const override;
  std::chrono::steady_clock::time_point steady_now() const override;
  /// Moves both clocks forward.
  void advance(std::chrono::milliseconds d);
  void set_now(std::chrono::system_clock::time_point t);

 private:
  std::atomic<long long> wall_ms_;
  std::atomic<long long> steady_ms_{1'000'000};
};

}  // namespace parley::core::testing
