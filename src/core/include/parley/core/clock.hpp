// Injected time. Every component that looks at the time takes a `const clock&` so that expiry
// and timers are tested without sleeping (see testing/include/parley/core/testing/fake_clock.hpp).
#pragma once

#include <chrono>

namespace parley::core {

/// Source of wall-clock and monotonic time.
/// Thread-safety: implementations must allow concurrent calls from any thread.
class clock {
 public:
  virtual ~clock() = default;
  /// Wall-clock time, for timestamps and token `iat`/`exp`.
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  /// Monotonic time, for timeouts, rate limits and caches.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

/// The real clocks. The returned object lives for the whole program.
[[nodiscard]] const clock& system_clock() noexcept;

/// Seconds since the Unix epoch of a system_clock time point.
[[nodiscard]] inline long long unix_seconds(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace parley::core
