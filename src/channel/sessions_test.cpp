#include "sessions.hpp"

#include <parley/core/testing/fake_clock.hpp>

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

class Sessions : public ::testing::Test {
 protected:
  conversation_grant grant(std::string sid, std::string conversation = "conv-1", std::uint64_t gen = 0,
                           std::chrono::seconds lifetime = 300s) {
    conversation_grant g;
    g.tenant_id = "bankx";
    g.bot_id = "bankx-assistant";
    g.conversation_id = std::move(conversation);
    g.user_id = "dl_u";
    g.session_id = std::move(sid);
    g.session_start = clock_.now();
    g.generation = gen;
    g.expires = clock_.now() + lifetime;
    return g;
  }
  time_point max_end(const conversation_grant& g) const { return g.session_start + 8h; }

  // A stream whose close is recorded.
  std::shared_ptr<stream_subscriber> stream(std::vector<std::uint16_t>& closes) {
    return std::make_shared<stream_subscriber>(0, stream_sink{[](std::string) { return true; },
                                                              [&closes](std::uint16_t code, std::string) { closes.push_back(code); }});
  }

  core::testing::fake_clock clock_;
  session_registry sessions_{1000, 10s, 5s};
};

TEST_F(Sessions, RefreshRotatesAndTheReplacedTokenHasTenSecondsOfGrace) {
  auto g0 = grant("s1");
  sessions_.open(g0, max_end(g0), true);
  EXPECT_EQ(sessions_.check(g0, clock_.now(), max_end(g0)), session_state::live);
  session_state st{};
  std::optional<ended_session> reused;
  auto gen = sessions_.rotate(g0, clock_.now(), max_end(g0), clock_.now() + 300s, st, reused);
  ASSERT_TRUE(gen);
  EXPECT_EQ(*gen, 1u);
  auto g1 = g0;
  g1.generation = 1;
  clock_.advance(9s);
  EXPECT_EQ(sessions_.check(g0, clock_.now(), max_end(g0)), session_state::live);  // a retried request
  EXPECT_EQ(sessions_.check(g1, clock_.now(), max_end(g1)), session_state::live);
  clock_.advance(2s);
  EXPECT_EQ(sessions_.check(g0, clock_.now(), max_end(g0)), session_state::superseded);
  EXPECT_EQ(sessions_.check(g1, clock_.now(), max_end(g1)), session_state::live);
  EXPECT_FALSE(reused);
}

TEST_F(Sessions, ARetriedRefreshWithinTheGraceRotatesAgain) {
  auto g0 = grant("s1");
  sessions_.open(g0, max_end(g0), true);
  session_state st{};
  std::optional<ended_session> reused;
  ASSERT_EQ(sessions_.rotate(g0, clock_.now(), max_end(g0), clock_.now() + 300s, st, reused), 1u);
  clock_.advance(3s);  // the answer was lost; the client retries with the same token
  ASSERT_EQ(sessions_.rotate(g0, clock_.now(), max_end(g0), clock_.now() + 300s, st, reused), 2u);
  EXPECT_FALSE(reused);
}

TEST_F(Sessions, AReplacedTokenPresentedToRefreshAfterItsGraceRevokesTheSession) {
  auto g0 = grant("s1");
  sessions_.open(g0, max_end(g0), true);
  std::vector<std::uint16_t> closes;
  auto s = stream(closes);
  sessions_.add_stream("s1", s);
  session_state st{};
  std::optional<ended_session> reused;
  ASSERT_TRUE(sessions_.rotate(g0, clock_.now(), max_end(g0), clock_.now() + 300s, st, reused));
  clock_.advance(11s);
  // The thief (or the owner, the channel cannot tell) presents the old token to refresh.
  EXPECT_FALSE(sessions_.rotate(g0, clock_.now(), max_end(g0), clock_.now() + 300s, st, reused));
  EXPECT_EQ(st, session_state::superseded);
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->reason, session_end_reason::token_reuse);
  EXPECT_TRUE(reused->last_of_conversation);
  ASSERT_EQ(reused->streams.size(), 1u);
  // Every token of the session is now refused, the newest included.
  auto g1 = g0;
  g1.generation = 1;
  EXPECT_EQ(sessions_.check(g1, clock_.now(), max_end(g1)), session_state::revoked);
}

TEST_F(Sessions, NoTokenOfASessionIsAcceptedAfterMaxSession) {
  auto g = grant("s1");
  sessions_.open(g, g.session_start + 20min, true);
  clock_.advance(19min);
  auto later = g;
  later.generation = 4;
  later.expires = clock_.now() + 5min;
  EXPECT_EQ(sessions_.check(later, clock_.now(), g.session_start + 20min), session_state::live);
  clock_.advance(1min);
  EXPECT_EQ(sessions_.check(later, clock_.now(), g.session_start + 20min), session_state::ended);
}

TEST_F(Sessions, AnUnknownSessionIsLearnedAtTheTokensGeneration) {
  // After a restart: the newest token teaches the generation; an older one is then refused.
  auto g3 = grant("s1", "conv-1", 3);
  EXPECT_EQ(sessions_.check(g3, clock_.now(), max_end(g3)), session_state::live);
  clock_.advance(11s);
  auto g1 = grant("s1", "conv-1", 1);
  EXPECT_EQ(sessions_.check(g1, clock_.now(), max_end(g1)), session_state::superseded);
  auto g4 = grant("s1", "conv-1", 4);
  EXPECT_EQ(sessions_.check(g4, clock_.now(), max_end(g4)), session_state::live);
  clock_.advance(11s);
  EXPECT_EQ(sessions_.check(g3, clock_.now(), max_end(g3)), session_state::superseded);
}

TEST_F(Sessions, RevokingAConversationEndsAllItsSessionsAndClosesTheirStreams) {
  auto a = grant("s1");
  auto b = grant("s2");
  auto other = grant("s3", "conv-2");
  sessions_.open(a, max_end(a), true);
  sessions_.open(b, max_end(b), false);
  sessions_.open(other, max_end(other), true);
  std::vector<std::uint16_t> closes;
  auto st = stream(closes);
  sessions_.add_stream("s1", st);
  auto ended = sessions_.revoke_conversation("bankx", "conv-1", session_end_reason::ended);
  ASSERT_EQ(ended.size(), 2u);
  std::size_t streams = 0;
  for (const auto& e : ended) streams += e.streams.size();
  EXPECT_EQ(streams, 1u);
  EXPECT_EQ(sessions_.check(a, clock_.now(), max_end(a)), session_state::revoked);
  EXPECT_EQ(sessions_.check(b, clock_.now(), max_end(b)), session_state::revoked);
  EXPECT_EQ(sessions_.check(other, clock_.now(), max_end(other)), session_state::live);
  EXPECT_TRUE(sessions_.revoke_conversation("bankx", "conv-1", session_end_reason::ended).empty());  // once
}

TEST_F(Sessions, SweepEndsExpiredSessionsAndSaysWhichWasTheConversationsLast) {
  auto a = grant("s1", "conv-1", 0, 60s);
  auto b = grant("s2", "conv-1", 0, 120s);
  sessions_.open(a, max_end(a), true);
  sessions_.open(b, max_end(b), true);
  clock_.advance(64s);
  EXPECT_TRUE(sessions_.sweep(clock_.now()).empty());  // 5 s of skew
  clock_.advance(2s);
  auto first = sessions_.sweep(clock_.now());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].session_id, "s1");
  EXPECT_EQ(first[0].reason, session_end_reason::expired);
  EXPECT_FALSE(first[0].last_of_conversation);  // s2 still lives
  clock_.advance(60s);
  auto second = sessions_.sweep(clock_.now());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(second[0].last_of_conversation);
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(Sessions, ARefreshedSessionIsNotSweptAtItsFirstTokensExpiry) {
  auto g = grant("s1", "conv-1", 0, 60s);
  sessions_.open(g, max_end(g), true);
  clock_.advance(40s);
  session_state st{};
  std::optional<ended_session> reused;
  ASSERT_TRUE(sessions_.rotate(g, clock_.now(), max_end(g), clock_.now() + 60s, st, reused));
  clock_.advance(30s);  // the first token's expiry (+ skew) has passed
  EXPECT_TRUE(sessions_.sweep(clock_.now()).empty());
  clock_.advance(36s);
  EXPECT_EQ(sessions_.sweep(clock_.now()).size(), 1u);
}

TEST_F(Sessions, ASessionOpenedForASecretHolderDoesNotEndTheConversation) {
  auto g = grant("s1", "conv-1", 0, 60s);
  sessions_.open(g, max_end(g), /*primary=*/false);
  clock_.advance(70s);
  auto ended = sessions_.sweep(clock_.now());
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_FALSE(ended[0].last_of_conversation);
}

TEST_F(Sessions, RevokedSessionsAreKeptUntilTheirTokensExpireThenForgotten) {
  auto g = grant("s1", "conv-1", 0, 60s);
  sessions_.open(g, max_end(g), true);
  ASSERT_TRUE(sessions_.revoke(g, clock_.now(), max_end(g), session_end_reason::revoked));
  EXPECT_FALSE(sessions_.revoke(g, clock_.now(), max_end(g), session_end_reason::revoked));  // already
  clock_.advance(64s);
  EXPECT_TRUE(sessions_.sweep(clock_.now()).empty());
  EXPECT_EQ(sessions_.check(g, clock_.now(), max_end(g)), session_state::revoked);
  clock_.advance(2s);
  EXPECT_TRUE(sessions_.sweep(clock_.now()).empty());  // forgotten silently (already reported)
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(Sessions, CapacityEvictsTheLiveSessionClosestToItsEndButNeverARevokedOne) {
  session_registry small(4, 10s, 5s);
  auto revoked = grant("r", "conv-r", 0, 30s);
  small.open(revoked, max_end(revoked), true);
  ASSERT_TRUE(small.revoke(revoked, clock_.now(), max_end(revoked), session_end_reason::revoked));
  for (int i = 0; i < 3; ++i) {
    auto g = grant("s" + std::to_string(i), "conv-" + std::to_string(i), 0, std::chrono::seconds(100 + i));
    small.open(g, max_end(g), true);
  }
  auto newer = grant("new", "conv-n", 0, 300s);
  small.open(newer, max_end(newer), true);
  EXPECT_EQ(small.size(), 4u);
  EXPECT_EQ(small.check(revoked, clock_.now(), max_end(revoked)), session_state::revoked);
}

}  // namespace
}  // namespace parley::channel
