// Private: the used stream tokens (single use, SECURITY.md promise 2), bounded per time window.
//
// A used token is remembered until it expires, in windows of `window` seconds by its (signed)
// expiry, so that a whole window is forgotten at once when its tokens can no longer be presented.
// Two bounds, and no global outage when either is reached:
//  - per conversation and window (`per_conversation`): a token holder reconnecting in a loop is
//    refused (429) for that conversation only;
//  - per window (`per_window`, memory): past it, a fresh token is still admitted but not recorded
//    (its replay within its remaining lifetime is then not detected); counted by the caller.
// Not thread-safe: the token service holds its lock around redeem().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace parley::channel {

class replay_windows {
 public:
  using time_point = std::chrono::system_clock::time_point;
  struct limits {
    std::chrono::seconds window{10};
    std::size_t per_window = 100'000;   ///< recorded tokens per window (~40 bytes each)
    std::size_t per_conversation = 20;  ///< redemptions per conversation per window
    std::chrono::seconds skew{5};       ///< a window is kept this long after its last expiry
  };
  enum class outcome {
    admitted,                 ///< first use, recorded
    admitted_unrecorded,      ///< first use as far as is known: the window is full
    replayed,                 ///< used before: refuse
    conversation_over_limit,  ///< too many redemptions for this conversation in the window: refuse
  };

  explicit replay_windows(limits l) : limits_(l) {}

  outcome redeem(std::string_view jti, std::string_view conversation, time_point expires, time_point now);
  /// Recorded tokens over every window.
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  struct window {
    std::int64_t index = 0;
    std::unordered_set<std::uint64_t> jtis;
    std::unordered_map<std::uint64_t, std::uint32_t> conversations;
  };
  limits limits_;
  std::deque<window> windows_;  // ascending index
};

}  // namespace parley::channel
