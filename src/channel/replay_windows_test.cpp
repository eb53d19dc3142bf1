#include "replay_windows.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::channel {
namespace {

using namespace std::chrono_literals;
using outcome = replay_windows::outcome;
using time_point = replay_windows::time_point;

const time_point t0{std::chrono::seconds{1'800'000'000}};

TEST(ReplayWindows, ATokenIsUsedOnce) {
  replay_windows w({});
  EXPECT_EQ(w.redeem("jti-1", "conv", t0 + 60s, t0), outcome::admitted);
  EXPECT_EQ(w.redeem("jti-1", "conv", t0 + 60s, t0 + 1s), outcome::replayed);
  EXPECT_EQ(w.redeem("jti-2", "conv", t0 + 61s, t0 + 1s), outcome::admitted);
}

TEST(ReplayWindows, WindowsAreForgottenOnceTheirTokensExpired) {
  replay_windows w({.window = 10s, .per_window = 100, .per_conversation = 100, .skew = 5s});
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(w.redeem("a" + std::to_string(i), "c" + std::to_string(i), t0 + 60s, t0), outcome::admitted);
  }
  EXPECT_EQ(w.size(), 50u);
  // The tokens expired at t0 + 60 s, their window ends by t0 + 70 s (+ 5 s of skew).
  EXPECT_EQ(w.redeem("b", "c", t0 + 200s, t0 + 76s), outcome::admitted);
  EXPECT_EQ(w.size(), 1u);
}

// Issue 14: the set of used stream tokens must be bounded per time window, and its being full
// must never be a global outage (it used to refuse every stream once 200 000 were remembered).
TEST(ReplayWindows, AFullWindowIsNeverAGlobalOutage) {
  replay_windows w({.window = 10s, .per_window = 100, .per_conversation = 5, .skew = 5s});
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(w.redeem("j" + std::to_string(i), "flood" + std::to_string(i % 20), t0 + 60s, t0), outcome::admitted)
        << i;
  }
  // The window of t0 + 60 s is full: others still stream (admitted, not recorded) ...
  EXPECT_EQ(w.redeem("someone", "legit", t0 + 61s, t0), outcome::admitted_unrecorded);
  EXPECT_EQ(w.size(), 100u);
  // ... a replay of a recorded token is still refused ...
  EXPECT_EQ(w.redeem("j7", "flood7", t0 + 60s, t0), outcome::replayed);
  // ... and the next window is a fresh one.
  EXPECT_EQ(w.redeem("later", "legit", t0 + 71s, t0 + 11s), outcome::admitted);
}

TEST(ReplayWindows, OneConversationCannotFillAWindow) {
  replay_windows w({.window = 10s, .per_window = 1000, .per_conversation = 5, .skew = 5s});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(w.redeem("j" + std::to_string(i), "loop", t0 + 60s, t0), outcome::admitted);
  EXPECT_EQ(w.redeem("j5", "loop", t0 + 60s, t0), outcome::conversation_over_limit);
  EXPECT_EQ(w.redeem("other", "calm", t0 + 60s, t0), outcome::admitted);
  EXPECT_EQ(w.redeem("j6", "loop", t0 + 70s, t0 + 10s), outcome::admitted);  // the next window
}

}  // namespace
}  // namespace parley::channel
